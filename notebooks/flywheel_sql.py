"""Queries Flywheel's SQL endpoint (`flywheel sql-server`, the HiveServer2 Thrift protocol) into pandas.

Debian packages Apache Thrift's Python runtime (python3-thrift) but no HiveServer2 client (PyHive is not
packaged), so this module speaks the few TCLIService calls a notebook needs. TBinaryProtocol carries every
field's type on the wire, so responses are read generically into {field id: (type, value)} dicts and the
handles the server returns are sent back exactly as received; only requests are spelled out here, with the
field ids of Hive's TCLIService.thrift.
"""
import os

import pandas as pd
from thrift.protocol.TBinaryProtocol import TBinaryProtocol
from thrift.Thrift import TApplicationException, TMessageType, TType
from thrift.transport.TSocket import TSocket
from thrift.transport.TTransport import TSaslClientTransport

ENDPOINT_VARIABLE = "FLYWHEEL_SQL_ENDPOINT"
DEFAULT_ENDPOINT = "127.0.0.1:10000"
PROTOCOL_V8 = 7  # TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V8: columnar result sets
STATUS_OK = (0, 1)  # TStatusCode SUCCESS, SUCCESS_WITH_INFO
FETCH_NEXT = 0
FETCH_ROWS = 10_000
# TTypeId values whose text form pandas turns into other types.
TIMESTAMP_TYPES = {8, 17, 22}  # TIMESTAMP, DATE, TIMESTAMPLOCALTZ
DECIMAL_TYPE = 15


class SqlEndpointError(RuntimeError):
    """The endpoint refused a call or a statement failed; the message is the server's."""


def _read(protocol, ttype):
    if ttype == TType.STRUCT:
        protocol.readStructBegin()
        fields = {}
        while True:
            _, field_type, field_id = protocol.readFieldBegin()
            if field_type == TType.STOP:
                break
            fields[field_id] = (field_type, _read(protocol, field_type))
            protocol.readFieldEnd()
        protocol.readStructEnd()
        return fields
    if ttype in (TType.LIST, TType.SET):
        element_type, size = protocol.readListBegin()
        values = [_read(protocol, element_type) for _ in range(size)]
        protocol.readListEnd()
        return (element_type, values)
    if ttype == TType.MAP:
        key_type, value_type, size = protocol.readMapBegin()
        entries = [(_read(protocol, key_type), _read(protocol, value_type)) for _ in range(size)]
        protocol.readMapEnd()
        return (key_type, value_type, entries)
    readers = {TType.BOOL: protocol.readBool, TType.BYTE: protocol.readByte, TType.I16: protocol.readI16,
               TType.I32: protocol.readI32, TType.I64: protocol.readI64, TType.DOUBLE: protocol.readDouble,
               TType.STRING: protocol.readBinary}
    return readers[ttype]()


def _write(protocol, ttype, value):
    if ttype == TType.STRUCT:
        protocol.writeStructBegin("s")
        for field_id, (field_type, field_value) in sorted(value.items()):
            protocol.writeFieldBegin("f", field_type, field_id)
            _write(protocol, field_type, field_value)
            protocol.writeFieldEnd()
        protocol.writeFieldStop()
        protocol.writeStructEnd()
    elif ttype in (TType.LIST, TType.SET):
        element_type, values = value
        protocol.writeListBegin(element_type, len(values))
        for element in values:
            _write(protocol, element_type, element)
        protocol.writeListEnd()
    elif ttype == TType.MAP:
        key_type, value_type, entries = value
        protocol.writeMapBegin(key_type, value_type, len(entries))
        for key, entry in entries:
            _write(protocol, key_type, key)
            _write(protocol, value_type, entry)
        protocol.writeMapEnd()
    elif ttype == TType.STRING:
        protocol.writeBinary(value.encode("utf-8") if isinstance(value, str) else value)
    else:
        writers = {TType.BOOL: protocol.writeBool, TType.BYTE: protocol.writeByte, TType.I16: protocol.writeI16,
                   TType.I32: protocol.writeI32, TType.I64: protocol.writeI64, TType.DOUBLE: protocol.writeDouble}
        writers[ttype](value)


def _value(struct, field_id, default=None):
    return struct[field_id][1] if field_id in struct else default


def _text(raw):
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


def _null_mask(bitmap, size):
    return [bool(bitmap[i // 8] & (1 << (i % 8))) if i // 8 < len(bitmap) else False for i in range(size)]


def _column_values(column):
    """A TColumn union (boolVal ... binaryVal, each {1: values, 2: nulls}) as a Python list with None."""
    (_, (_, typed)), = column.items()
    values = _value(typed, 1)[1]
    nulls = _null_mask(_value(typed, 2, b""), len(values))
    return [None if null else _text(v) for v, null in zip(values, nulls)]


class Connection:
    """One session on the endpoint; usable as a context manager."""

    def __init__(self, endpoint=None, user="analyst"):
        host, port = (endpoint or os.environ.get(ENDPOINT_VARIABLE, DEFAULT_ENDPOINT)).rsplit(":", 1)
        # The endpoint's default authentication (NONE) is SASL PLAIN with any password.
        self._transport = TSaslClientTransport(TSocket(host, int(port)), host, "hive", mechanism="PLAIN",
                                               username=user, password="unused")
        try:
            self._transport.open()
        except Exception as error:
            raise SqlEndpointError(f"Cannot reach the SQL endpoint at {host}:{port} ({error}); start it with"
                                   f" `bin/flywheel sql-server --port {port}`") from error
        self._protocol = TBinaryProtocol(self._transport)
        self._sequence = 0
        opened = self._call("OpenSession", {1: (TType.I32, PROTOCOL_V8), 2: (TType.STRING, user),
                                            3: (TType.STRING, "unused")})
        self._session = _value(opened, 3)

    def _call(self, method, request):
        self._sequence += 1
        self._protocol.writeMessageBegin(method, TMessageType.CALL, self._sequence)
        _write(self._protocol, TType.STRUCT, {1: (TType.STRUCT, request)})
        self._protocol.writeMessageEnd()
        self._transport.flush()
        _, message_type, _ = self._protocol.readMessageBegin()
        if message_type == TMessageType.EXCEPTION:
            error = TApplicationException()
            error.read(self._protocol)
            self._protocol.readMessageEnd()
            raise SqlEndpointError(f"{method}: {error.message}")
        result = _read(self._protocol, TType.STRUCT)
        self._protocol.readMessageEnd()
        response = _value(result, 0)
        status = _value(response, 1)
        if _value(status, 1) not in STATUS_OK:
            raise SqlEndpointError(f"{method}: {_text(_value(status, 5, b'failed'))}")
        return response

    def query(self, statement):
        """Runs one statement; its result as a DataFrame with timestamps, dates and decimals converted."""
        executed = self._call("ExecuteStatement", {1: (TType.STRUCT, self._session), 2: (TType.STRING, statement)})
        operation = _value(executed, 2)
        try:
            metadata = self._call("GetResultSetMetadata", {1: (TType.STRUCT, operation)})
            columns = _value(_value(metadata, 2), 1)[1]
            names = [_text(_value(c, 1)) for c in columns]
            types = [_value(_value(_value(_value(c, 2), 1)[1][0], 1), 1) for c in columns]
            data = {name: [] for name in names}
            while True:  # the server leaves hasMoreRows false: an empty batch ends the result
                fetched = self._call("FetchResults", {1: (TType.STRUCT, operation), 2: (TType.I32, FETCH_NEXT),
                                                      3: (TType.I64, FETCH_ROWS)})
                batch = [_column_values(c) for c in _value(_value(fetched, 3), 3, (TType.STRUCT, []))[1]]
                if not batch or not batch[0]:
                    break
                for name, values in zip(names, batch):
                    data[name].extend(values)
        finally:
            self._call("CloseOperation", {1: (TType.STRUCT, operation)})
        frame = pd.DataFrame(data, columns=names)
        for name, type_id in zip(names, types):
            if type_id in TIMESTAMP_TYPES:
                frame[name] = pd.to_datetime(frame[name])
            elif type_id == DECIMAL_TYPE:
                frame[name] = pd.to_numeric(frame[name])
        return frame

    def close(self):
        try:
            self._call("CloseSession", {1: (TType.STRUCT, self._session)})
        finally:
            self._transport.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def query(statement, endpoint=None):
    """Runs one statement on a short-lived session."""
    with Connection(endpoint) as connection:
        return connection.query(statement)

