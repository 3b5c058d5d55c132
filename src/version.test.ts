import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { file_FunctionRpc } from './gen/FunctionRpc_pb.js';
import { SCHEMA_VERSION } from './version.js';

test('SCHEMA_VERSION is the hash of the generated FunctionRpc schema', () => {
  const digest = createHash('sha256')
    .update(toBinary(FileDescriptorProtoSchema, file_FunctionRpc.proto))
    .digest('hex');
  assert.equal(
    SCHEMA_VERSION,
    `FunctionRpc.proto@${digest.slice(0, 12)}`,
    'proto/ changed: update SCHEMA_VERSION in src/version.ts',
  );
});
