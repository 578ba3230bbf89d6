// A client that is not ours: reads and writes through
// @grpc/grpc-js straight on the storage service, and through the gateway
// with curl, and checks that both see the same records.
//
//   STORAGE_ADDR=127.0.0.1:PORT GATEWAY_URL=http://127.0.0.1:PORT \
//   WRITER_TOKEN=... READER_TOKEN=... \
//   node cross_language_client.js PROTO_ROOT GOOGLEAPIS_ROOT
//
// PROTO_ROOT holds opsbrain/v1/*.proto; GOOGLEAPIS_ROOT google/api/*.proto;
// the well-known types come from /usr/include (libprotobuf-dev). Tokens
// reach curl on its standard input, never on a command line. Exits 0 when
// every comparison holds, else prints the first difference and exits 1.
'use strict';

const childProcess = require('child_process');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const util = require('util');

const kTimestampFields = new Set(
    ['createTime', 'updateTime', 'expireTime', 'changeTime', 'time']);
// The caller the gRPC side states, as the gateway states a reader.
const kReaderMetadata = [['x-opsbrain-actor', 'node-client'],
                         ['x-opsbrain-scopes', 'read']];

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// ---- The two clients -----------------------------------------------------

function loadRepository(protoRoot, googleapisRoot) {
  const definition = protoLoader.loadSync('opsbrain/v1/repository.proto', {
    includeDirs: [protoRoot, googleapisRoot, '/usr/include'],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const root = grpc.loadPackageDefinition(definition);
  return new root.opsbrain.v1.Repository(env('STORAGE_ADDR'),
                                         grpc.credentials.createInsecure());
}

function grpcCall(client, method, request) {
  const metadata = new grpc.Metadata();
  for (const [key, value] of kReaderMetadata) metadata.set(key, value);
  if (method.startsWith('Update')) {
    metadata.set('x-opsbrain-scopes', 'read,write');
  }
  const deadline = new Date(Date.now() + 10000);
  return new Promise((resolve, reject) => {
    client[method](request, metadata, {deadline}, (error, response) => {
      if (error) reject(new Error(`${method}: ${error.code} ${error.details}`));
      else resolve(response);
    });
  });
}

function curl(method, path, token, body) {
  const args = ['-sS', '-K', '-', '-X', method, '-o', '-', '-w',
                '\n%{http_code}', `${env('GATEWAY_URL')}${path}`];
  let config = `header = "Authorization: Bearer ${token}"\n`;
  if (body !== undefined) {
    config += 'header = "Content-Type: application/json"\n';
    args.push('--data-binary', JSON.stringify(body));
  }
  const output = childProcess.execFileSync('curl', args, {input: config})
                     .toString();
  const newline = output.lastIndexOf('\n');
  const status = Number(output.slice(newline + 1));
  const text = output.slice(0, newline);
  if (status !== 200) {
    throw new Error(`curl ${method} ${path}: HTTP ${status}: ${text}`);
  }
  return JSON.parse(text);
}

// ---- One form for both sides ---------------------------------------------

// An RFC 3339 time as "seconds.nanoseconds".
function fromRfc3339(text) {
  const match = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!match) throw new Error(`not an RFC 3339 UTC time: ${text}`);
  const seconds = Date.parse(`${match[1]}Z`) / 1000;
  const nanos = Number((match[2] || '').padEnd(9, '0'));
  return `${seconds}.${String(nanos).padStart(9, '0')}`;
}

// google.protobuf.Value as proto-loader gives it, as plain JSON.
function fromValue(value) {
  switch (value.kind) {
    case 'nullValue': return null;
    case 'numberValue': return value.numberValue;
    case 'stringValue': return value.stringValue;
    case 'boolValue': return value.boolValue;
    case 'structValue': return fromStruct(value.structValue);
    case 'listValue': return value.listValue.values.map(fromValue);
    default: throw new Error(`unknown Value kind ${value.kind}`);
  }
}

function fromStruct(struct) {
  const out = {};
  for (const [key, value] of Object.entries(struct.fields || {})) {
    out[key] = fromValue(value);
  }
  return out;
}

function isStruct(value) {
  return value !== null && typeof value === 'object' &&
         Object.keys(value).length === 1 && 'fields' in value;
}

// A gRPC response object in the form of the gateway's JSON: timestamps as
// seconds.nanos, Structs as JSON, unset messages left out.
function normalizeGrpc(value) {
  if (Array.isArray(value)) return value.map(normalizeGrpc);
  if (value === null || typeof value !== 'object') return value;
  if ('seconds' in value && 'nanos' in value &&
      Object.keys(value).length === 2) {
    return `${Number(value.seconds)}.${String(value.nanos).padStart(9, '0')}`;
  }
  if (isStruct(value)) return fromStruct(value);
  const out = {};
  for (const [key, member] of Object.entries(value)) {
    if (member === null || member === undefined) continue;
    out[key] = normalizeGrpc(member);
  }
  return out;
}

function normalizeJson(value, key) {
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v));
  if (typeof value === 'string' && kTimestampFields.has(key)) {
    return fromRfc3339(value);
  }
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [name, member] of Object.entries(value)) {
    // Structs are plain JSON already; only their keys are not fields.
    out[name] = (name === 'successMetrics' || name === 'additionalData' ||
                 name === 'oldValues' || name === 'newValues')
                    ? member
                    : normalizeJson(member, name);
  }
  return out;
}

let compared = 0;

function expectSame(what, grpcResponse, httpResponse) {
  const left = normalizeGrpc(grpcResponse);
  const right = normalizeJson(httpResponse);
  if (!util.isDeepStrictEqual(left, right)) {
    throw new Error(`${what} differs:\n  gRPC: ${JSON.stringify(left)}\n` +
                    `  HTTP: ${JSON.stringify(right)}`);
  }
  ++compared;
}

// ---- The checks ------------------------------------------------------------

async function main(argv) {
  if (argv.length !== 2) {
    console.error('usage: node cross_language_client.js PROTO_ROOT ' +
                  'GOOGLEAPIS_ROOT');
    return 2;
  }
  const client = loadRepository(argv[0], argv[1]);
  const writer = env('WRITER_TOKEN');
  const reader = env('READER_TOKEN');

  // Records written through the gateway with curl.
  curl('PATCH', '/v1/configurations/xl_public?allowMissing=true', writer,
       {value: 'hello', category: 'slack', description: 'from curl'});
  curl('PATCH', '/v1/configurations/xl_secret?allowMissing=true', writer,
       {value: 'xl-secret-value', category: 'openai', isSensitive: true});
  curl('PATCH', '/v1/businessGoals/xl_goal?allowMissing=true', writer, {
    title: 'Cross-language', area: 'product', priority: 3,
    targetDate: {year: 2031, month: 2, day: 28},
    weeklyActions: ['one', 'two'],
    successMetrics: {deals: 5, ratio: 0.5, note: 'n', nested: {ok: true}},
  });
  curl('PATCH', '/v1/users/U7/preferences/lang?allowMissing=true', writer,
       {value: 'fr'});

  // One written through gRPC by this client.
  await grpcCall(client, 'UpdateAppSetting', {
    appSetting: {key: 'xl_limit', value: '42', type: 'INTEGER'},
    allowMissing: true,
  });

  // Each read both ways, as a reader (the sensitive value masked on both).
  const reads = [
    ['GetConfiguration', {key: 'xl_public'}, '/v1/configurations/xl_public'],
    ['GetConfiguration', {key: 'xl_secret'}, '/v1/configurations/xl_secret'],
    ['ListConfigurations', {}, '/v1/configurations'],
    ['GetBusinessGoal', {id: 'xl_goal'}, '/v1/businessGoals/xl_goal'],
    ['ListBusinessGoals', {area: 'product'},
     '/v1/businessGoals?area=product'],
    ['GetUserPreference', {userId: 'U7', key: 'lang'},
     '/v1/users/U7/preferences/lang'],
    ['GetAppSetting', {key: 'xl_limit'}, '/v1/appSettings/xl_limit'],
    ['ListAppSettings', {}, '/v1/appSettings'],
    ['ListAuditEntries', {}, '/v1/auditEntries'],
  ];
  for (const [method, request, path] of reads) {
    const viaGrpc = await grpcCall(client, method, request);
    const viaHttp = curl('GET', path, reader);
    expectSame(`${method} ${path}`, viaGrpc, viaHttp);
  }

  const secret = curl('GET', '/v1/configurations/xl_secret', reader);
  if (secret.value !== '' || secret.valueRedacted !== true) {
    throw new Error('a reader saw a sensitive value');
  }
  client.close();
  console.log(`same data: ${compared} reads compared over gRPC (grpc-js) ` +
              'and HTTP (curl)');
  return 0;
}

main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error) => {
      console.error(error.message);
      process.exitCode = 1;
    });
