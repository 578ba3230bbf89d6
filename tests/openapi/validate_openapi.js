// Validates an OpenAPI document with a standard validator
// (@apidevtools/swagger-parser: the OpenAPI 3 JSON schema, then the rules
// the schema cannot state, such as every path parameter being declared).
//
//   node validate_openapi.js DOCUMENT.json
//
// Prints "valid: N paths, M operations" and exits 0, or prints why not and
// exits 1.
'use strict';

const SwaggerParser = require('@apidevtools/swagger-parser');

const kMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch',
                  'trace'];

async function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node validate_openapi.js DOCUMENT.json');
    return 2;
  }
  let api;
  try {
    api = await SwaggerParser.validate(argv[0]);
  } catch (error) {
    console.error(`invalid: ${error.message}`);
    return 1;
  }
  let operations = 0;
  for (const item of Object.values(api.paths)) {
    operations += kMethods.filter((method) => method in item).length;
  }
  console.log(`valid: OpenAPI ${api.openapi}, ` +
              `${Object.keys(api.paths).length} paths, ` +
              `${operations} operations`);
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
