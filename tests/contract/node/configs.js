// Drives cos-nodejs-sdk-v5 through the configuration APIs (ACL, CORS, tagging) against the emulator and
// prints one JSON document for pytest (test_node_configs.py) to assert on. Config comes from COS_* in
// the environment; COS_BUCKET is a fresh bucket the test created, addressed in Ip mode.
'use strict';
const http = require('http');
const COS = require('cos-nodejs-sdk-v5');

const env = process.env;
const Bucket = env.COS_BUCKET;
const Region = env.COS_REGION;
const host = `${Bucket}.cos.${Region}.myqcloud.com`;

const cos = new COS({
  SecretId: env.COS_SECRET_ID,
  SecretKey: env.COS_SECRET_KEY,
  Protocol: 'http:',
  Ip: `127.0.0.1:${env.COS_PORT}`,
  AutoSwitchHost: false,
  CorrectClockSkew: false,
  Timeout: 30000,
});

function call(method, params) {
  return new Promise((resolve) => {
    cos[method]({ Bucket, Region, ...params }, (err, data) => resolve({ err, data }));
  });
}

function must(result, what) {
  if (result.err) {
    const e = result.err;
    throw new Error(`${what} failed: ${e.code} ${e.message} ${e.statusCode} ${JSON.stringify(e.error)}`);
  }
  return result.data;
}

function failure(result) {
  const e = result.err;
  return e ? { statusCode: e.statusCode, code: (e.error && e.error.Code) || e.code } : null;
}

// An unsigned request, as a browser or curl would send it.
function raw(method, key, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: env.COS_PORT, method, path: `/${encodeURIComponent(key)}`, headers: { Host: host, ...headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ statusCode: res.statusCode, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function main() {
  const out = {};
  // --- ACL --------------------------------------------------------------------------------------
  must(await call('putObject', { Key: 'acl/doc.txt', Body: Buffer.from('doc') }), 'putObject');
  out.aclBefore = (await raw('GET', 'acl/doc.txt', {})).statusCode;
  must(await call('putBucketAcl', { ACL: 'public-read' }), 'putBucketAcl');
  const bucketAcl = must(await call('getBucketAcl', {}), 'getBucketAcl');
  out.bucketAcl = { ACL: bucketAcl.ACL, grants: bucketAcl.Grants.length };
  out.aclPublic = (await raw('GET', 'acl/doc.txt', {})).statusCode;
  must(await call('putObjectAcl', { Key: 'acl/doc.txt', ACL: 'private' }), 'putObjectAcl');
  const objectAcl = must(await call('getObjectAcl', { Key: 'acl/doc.txt' }), 'getObjectAcl');
  out.objectAcl = { ACL: objectAcl.ACL };
  out.aclPrivateObject = (await raw('GET', 'acl/doc.txt', {})).statusCode;
  out.bogusAcl = failure(await call('putObjectAcl', { Key: 'acl/doc.txt', ACL: 'bogus' }));

  // --- CORS -------------------------------------------------------------------------------------
  out.corsBefore = must(await call('getBucketCors', {}), 'getBucketCors').CORSRules;
  must(
    await call('putBucketCors', {
      CORSRules: [{
        AllowedOrigins: ['https://app.example.com'], AllowedMethods: ['GET', 'PUT'],
        AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: '300',
      }],
    }),
    'putBucketCors',
  );
  const cors = must(await call('getBucketCors', {}), 'getBucketCors');
  out.cors = cors.CORSRules.map((r) => ({
    origins: r.AllowedOrigins, methods: r.AllowedMethods, expose: r.ExposeHeaders, maxAge: r.MaxAgeSeconds,
  }));
  const preflight = await raw('OPTIONS', 'upload.bin', {
    Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT',
    'Access-Control-Request-Headers': 'content-type',
  });
  out.preflight = { statusCode: preflight.statusCode, allowOrigin: preflight.headers['access-control-allow-origin'] };
  out.preflightDenied = (await raw('OPTIONS', 'upload.bin', {
    Origin: 'https://evil.test', 'Access-Control-Request-Method': 'PUT',
  })).statusCode;
  must(await call('deleteBucketCors', {}), 'deleteBucketCors');
  out.corsAfter = must(await call('getBucketCors', {}), 'getBucketCors').CORSRules;

  // --- tagging ----------------------------------------------------------------------------------
  must(await call('putObject', { Key: 'tags/a.txt', Body: Buffer.from('a') }), 'putObject');
  out.objectTagsBefore = must(await call('getObjectTagging', { Key: 'tags/a.txt' }), 'getObjectTagging').Tags;
  must(
    await call('putObjectTagging', { Key: 'tags/a.txt', Tags: [{ Key: 'team', Value: 'ocr' }, { Key: '年', Value: '2024' }] }),
    'putObjectTagging',
  );
  out.objectTags = must(await call('getObjectTagging', { Key: 'tags/a.txt' }), 'getObjectTagging').Tags;
  out.tagCount = must(await call('headObject', { Key: 'tags/a.txt' }), 'headObject').headers['x-cos-tagging-count'];
  must(await call('deleteObjectTagging', { Key: 'tags/a.txt' }), 'deleteObjectTagging');
  out.objectTagsAfter = must(await call('getObjectTagging', { Key: 'tags/a.txt' }), 'getObjectTagging').Tags;
  must(await call('putBucketTagging', { Tags: [{ Key: 'env', Value: 'test' }] }), 'putBucketTagging');
  out.bucketTags = must(await call('getBucketTagging', {}), 'getBucketTagging').Tags;
  must(await call('deleteBucketTagging', {}), 'deleteBucketTagging');
  out.bucketTagsAfter = must(await call('getBucketTagging', {}), 'getBucketTagging').Tags;
  const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
  out.tooManyTags = failure(await call('putObjectTagging', { Key: 'tags/a.txt', Tags: eleven }));
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String((e && e.stack) || e));
  process.exit(1);
});
