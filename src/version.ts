/** functape's version, kept equal to package.json's (src/cli/main.test.ts checks). */
export const FUNCTAPE_VERSION = '0.1.0';

/**
 * The schema recordings are decoded with: the first 12 hex digits of the SHA-256 of
 * proto/FunctionRpc.proto's serialized FileDescriptorProto. A constant, so `record` need
 * not build the protobuf registry on its start-up path; src/version.test.ts recomputes it
 * from src/gen and fails when proto/ changed without updating it.
 */
export const SCHEMA_VERSION = 'FunctionRpc.proto@9eb3e27d1a21';
