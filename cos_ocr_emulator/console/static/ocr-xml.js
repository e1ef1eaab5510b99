// The CI OCR response body -> plain objects. Coordinates are copied as the XML has them: the
// overlay draws exactly the Polygon points the API returned, nothing recomputed.
function text(node, name) {
  for (const child of node.children) if (child.tagName === name) return child.textContent;
  return null;
}

function children(node, name) {
  return [...node.children].filter((child) => child.tagName === name);
}

function point(node) {
  return [Number(text(node, 'X')), Number(text(node, 'Y'))];
}

export function parseOcr(xmlText) {
  const doc = new DOMParser().parseFromString(xmlText, 'application/xml');
  if (doc.querySelector('parsererror')) throw new Error('The response is not well-formed XML.');
  const root = doc.documentElement;
  if (root.tagName === 'Error') {
    return { error: { code: text(root, 'Code'), message: text(root, 'Message'), requestId: text(root, 'RequestId') } };
  }
  const lines = children(root, 'TextDetections').map((node, index) => {
    const item = children(node, 'ItemPolygon')[0];
    return {
      index,
      text: text(node, 'DetectedText') ?? '',
      confidence: Number(text(node, 'Confidence')),
      polygon: children(node, 'Polygon').map(point),
      item: item ? { x: Number(text(item, 'X')), y: Number(text(item, 'Y')), width: Number(text(item, 'Width')), height: Number(text(item, 'Height')) } : null,
      words: children(node, 'Words').map((word) => ({
        text: text(word, 'Character') ?? '',
        confidence: Number(text(word, 'Confidence')),
        polygon: children(word, 'WordCoordPoint').flatMap((coords) => children(coords, 'WordCoordinate').map(point)),
      })),
      wordPolygons: children(node, 'WordPolygon').map((quad) =>
        ['LeftTop', 'RightTop', 'RightBottom', 'LeftBottom'].map((name) => children(quad, name)[0]).filter(Boolean).map(point)),
    };
  });
  return {
    lines,
    language: text(root, 'Language'),
    angel: text(root, 'Angel'),
    pdfPageSize: Number(text(root, 'PdfPageSize') || 0),
    requestId: text(root, 'RequestId'),
  };
}

export function pointsAttr(points) {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}
