// OCR through cos-nodejs-sdk-v5's generic `cos.request` (the SDK has no OCR method): one good call on
// COS_KEY and one with an invalid `type`; prints one JSON document for pytest.
'use strict';
const COS = require('cos-nodejs-sdk-v5');

const env = process.env;
const cos = new COS({
  SecretId: env.COS_SECRET_ID,
  SecretKey: env.COS_SECRET_KEY,
  Protocol: 'http:',
  Ip: `127.0.0.1:${env.COS_PORT}`,
  AutoSwitchHost: false,
  CorrectClockSkew: false,
  Timeout: 120000,
});

function ocr(Query) {
  return new Promise((resolve) => {
    cos.request(
      { Bucket: env.COS_BUCKET, Region: env.COS_REGION, Method: 'GET', Key: env.COS_KEY, Query },
      (err, data) => resolve({ err, data }),
    );
  });
}

(async () => {
  const good = await ocr({ 'ci-process': 'OCR', type: 'general', 'language-type': 'zh', isword: 'true' });
  if (good.err) throw new Error(`OCR failed: ${good.err.code} ${good.err.message}`);
  const bad = await ocr({ 'ci-process': 'OCR', type: 'poetry' });
  const out = {
    statusCode: good.data.statusCode,
    RequestId: good.data.RequestId,
    Response: good.data.Response,
    error: bad.err ? { code: bad.err.code, statusCode: bad.err.statusCode, message: bad.err.message } : null,
  };
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String(e.stack || e));
  process.exit(1);
});
