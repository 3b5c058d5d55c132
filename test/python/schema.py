"""The StreamingMessage class, built at run time from the repository's proto/ files.

Debian 12's python3-grpc-tools (1.14) bundles a protoc whose generated *_pb2.py modules
the installed protobuf runtime (4.21, upb/cpp) refuses, so no Python code is generated:
protoc (in-process, from grpc_tools) only compiles proto/ into a FileDescriptorSet, and
protobuf's descriptor_pool + message_factory turn that into message classes. The result
does not depend on functape's own TypeScript code or on generated files in the tree.
"""
import os
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.normpath(os.path.join(HERE, '..', '..', 'proto'))
PACKAGE = 'AzureFunctionsRpcMessages'
EVENT_STREAM_PATH = '/AzureFunctionsRpcMessages.FunctionRpc/EventStream'
PROTO_FILES = ('FunctionRpc.proto', 'identity/ClaimsIdentityRpc.proto', 'shared/NullableTypes.proto')


def compile_descriptor_set(proto_dir=DEFAULT_PROTO_DIR):
    """Returns the serialized FileDescriptorSet (with imports) of proto_dir's schema."""
    import grpc_tools
    from grpc_tools import _protoc_compiler

    well_known = os.path.join(os.path.dirname(grpc_tools.__file__), '_proto')
    fd, out = tempfile.mkstemp(suffix='.fds')
    os.close(fd)
    try:
        args = ['protoc', '-I' + proto_dir, '-I' + well_known, '--include_imports',
                '--descriptor_set_out=' + out] + [os.path.join(proto_dir, f) for f in PROTO_FILES]
        # grpc_tools.protoc.main does just this, but importing that module needs pkg_resources,
        # which Debian's python3-grpc-tools does not depend on.
        rc = _protoc_compiler.run_main([a.encode() for a in args])
        if rc != 0:
            raise RuntimeError('protoc failed (exit %d) compiling %s' % (rc, proto_dir))
        with open(out, 'rb') as f:
            return f.read()
    finally:
        os.unlink(out)


class Schema:
    """Message classes of the protocol, by short name (`StreamingMessage`, `RpcLog`, ...)."""

    def __init__(self, proto_dir=DEFAULT_PROTO_DIR):
        fds = descriptor_pb2.FileDescriptorSet.FromString(compile_descriptor_set(proto_dir))
        self.pool = descriptor_pool.DescriptorPool()
        for file_proto in fds.file:
            self.pool.Add(file_proto)
        self._factory = message_factory.MessageFactory(self.pool)
        self.StreamingMessage = self.message('StreamingMessage')

    def message(self, name):
        full = name if '.' in name else PACKAGE + '.' + name
        return self._factory.GetPrototype(self.pool.FindMessageTypeByName(full))

    def enum_value(self, enum_name, value_name):
        return self.pool.FindEnumTypeByName(PACKAGE + '.' + enum_name).values_by_name[value_name].number

    def parse(self, data):
        """Decodes one StreamingMessage; raises on bytes that are not one."""
        msg = self.StreamingMessage()
        msg.ParseFromString(data)
        return msg


def kind_of(msg):
    """The oneof member name (`invocation_request`), or 'unknown'."""
    return msg.WhichOneof('content') or 'unknown'
