// Drives cos-nodejs-sdk-v5 against the emulator and prints one JSON document for pytest to assert on.
// Config comes from the environment (COS_*); argv[2] picks the scenario: "roundtrip" or "wrong-key".
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const COS = require('cos-nodejs-sdk-v5');

const env = process.env;
const mode = env.COS_MODE || 'ip';
const endpoint = `127.0.0.1:${env.COS_PORT}`;
const Bucket = env.COS_BUCKET;
const Region = env.COS_REGION;
const prefix = env.COS_PREFIX;

function client(secretKey) {
  const options = {
    SecretId: env.COS_SECRET_ID,
    SecretKey: secretKey || env.COS_SECRET_KEY,
    Protocol: 'http:',
    // No retries where the SDK allows it: no host switching, no clock-skew retry, no chunk retries.
    AutoSwitchHost: false,
    CorrectClockSkew: false,
    ChunkRetryTimes: 0,
    Timeout: 30000,
  };
  if (mode === 'domain') options.Domain = endpoint;
  else options.Ip = endpoint;
  return new COS(options);
}

function call(cos, method, params) {
  return new Promise((resolve) => {
    cos[method]({ Bucket, Region, ...params }, (err, data) => resolve({ err, data }));
  });
}

function must(result, what) {
  if (result.err) {
    const e = result.err;
    throw new Error(`${what} failed: ${e.code} ${e.message} ${e.statusCode}`);
  }
  return result.data;
}

function md5(buf) {
  return crypto.createHash('md5').update(buf).digest('hex');
}

async function roundtrip() {
  const cos = client();
  const body = Buffer.from(`node body ${prefix} 中文`, 'utf8');
  const keys = [`${prefix}/plain.txt`, `${prefix}/with space+plus.txt`, `${prefix}/目录/文件.txt`];
  const out = { put: [], get: [], head: null, list: null, request: null, deleted: [] };
  for (const Key of keys) {
    const put = must(await call(cos, 'putObject', { Key, Body: body, ContentType: 'text/plain' }), 'putObject');
    out.put.push({ Key, statusCode: put.statusCode, ETag: put.ETag });
  }
  for (const Key of keys) {
    const got = must(await call(cos, 'getObject', { Key }), 'getObject');
    out.get.push({ Key, statusCode: got.statusCode, md5: md5(got.Body), length: got.Body.length });
  }
  const head = must(await call(cos, 'headObject', { Key: keys[0] }), 'headObject');
  out.head = {
    statusCode: head.statusCode,
    etag: head.headers.etag,
    contentLength: head.headers['content-length'],
    crc64: head.headers['x-cos-hash-crc64ecma'],
    requestId: head.RequestId,
  };
  const list = must(await call(cos, 'getBucket', { Prefix: `${prefix}/`, Delimiter: '/' }), 'getBucket');
  out.list = {
    keys: list.Contents.map((c) => c.Key),
    prefixes: list.CommonPrefixes.map((p) => p.Prefix),
    isTruncated: list.IsTruncated,
  };
  const raw = must(
    await call(cos, 'request', { Method: 'GET', Key: '', Query: { prefix: `${prefix}/`, 'max-keys': '1' } }),
    'request',
  );
  out.request = {
    statusCode: raw.statusCode,
    keys: [].concat(raw.ListBucketResult.Contents || []).map((c) => c.Key),
    isTruncated: raw.ListBucketResult.IsTruncated,
  };
  for (const Key of keys) {
    const del = must(await call(cos, 'deleteObject', { Key }), 'deleteObject');
    out.deleted.push({ Key, statusCode: del.statusCode });
  }
  out.multipart = await multipart(cos);
  if (mode === 'ip') {
    // getService goes to service.cos.myqcloud.com, which Ip swaps for the emulator (Host kept).
    const service = await new Promise((resolve) => cos.getService({}, (err, data) => resolve({ err, data })));
    out.buckets = must(service, 'getService').Buckets.map((b) => b.Name);
  }
  const gone = await call(cos, 'headObject', { Key: keys[0] });
  out.headAfterDelete = { code: gone.err && gone.err.code, statusCode: gone.err && gone.err.statusCode };
  out.bodyMd5 = md5(body);
  return out;
}

async function multipart(cos) {
  // Above SliceSize (1 MB) sliceUploadFile lists uploads, initiates, sends 1 MB parts with Content-MD5,
  // and completes with an XML body carrying Content-MD5 (docs/wire-compat.md §5.4).
  const data = crypto.randomBytes(2 * 1024 * 1024 + 777);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cos-node-')), 'big.bin');
  fs.writeFileSync(file, data);
  const Key = `${prefix}/big file.bin`;
  const up = must(await call(cos, 'sliceUploadFile', { Key, FilePath: file }), 'sliceUploadFile');
  const ranged = must(await call(cos, 'getObject', { Key, Range: 'bytes=100-199' }), 'getObject range');
  const whole = must(await call(cos, 'getObject', { Key }), 'getObject');
  must(await call(cos, 'deleteObject', { Key }), 'deleteObject');
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  return {
    etag: up.ETag,
    md5: md5(data),
    size: data.length,
    wholeMd5: md5(whole.Body),
    rangeStatus: ranged.statusCode,
    rangeMd5: md5(ranged.Body),
    expectedRangeMd5: md5(data.subarray(100, 200)),
    contentRange: ranged.headers['content-range'],
  };
}

async function wrongKey() {
  const cos = client('definitely-not-the-key');
  const result = await call(cos, 'putObject', { Key: `${prefix}/denied.txt`, Body: Buffer.from('x') });
  const e = result.err || {};
  return {
    code: e.code,
    message: e.message,
    statusCode: e.statusCode,
    requestId: e.RequestId,
    error: e.error || null,
  };
}

const scenarios = { roundtrip, 'wrong-key': wrongKey };
scenarios[process.argv[2]]()
  .then((out) => process.stdout.write(JSON.stringify(out)))
  .catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err));
    process.exit(1);
  });
