"""A minimal FastCGI client (responder role) for the deployment tests.

request(sock_path, params, body=b"") sends one request over a new unix-socket
connection and returns (status, headers, body) parsed from the CGI-style response.
"""

import socket
import struct

VERSION = 1
BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7
RESPONDER = 1


def _record(rtype, content, request_id=1):
    return struct.pack("!BBHHBx", VERSION, rtype, request_id, len(content), 0) + content


def _length(n):
    return bytes([n]) if n < 128 else struct.pack("!I", n | 0x80000000)


def _params(params):
    out = b""
    for k, v in params.items():
        k, v = k.encode(), v.encode()
        out += _length(len(k)) + _length(len(v)) + k + v
    return out


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("FastCGI connection closed mid-record")
        data += chunk
    return data


def request(sock_path, params, body=b"", timeout=15):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        msg = _record(BEGIN_REQUEST, struct.pack("!HB5x", RESPONDER, 0))
        encoded = _params(params)
        for i in range(0, len(encoded), 65535):
            msg += _record(PARAMS, encoded[i:i + 65535])
        msg += _record(PARAMS, b"")
        for i in range(0, len(body), 65535):
            msg += _record(STDIN, body[i:i + 65535])
        msg += _record(STDIN, b"")
        s.sendall(msg)
        out = b""
        while True:
            header = _recv_exact(s, 8)
            _, rtype, _, clen, plen = struct.unpack("!BBHHBx", header)
            content = _recv_exact(s, clen + plen)[:clen]
            if rtype == STDOUT:
                out += content
            elif rtype == END_REQUEST:
                break
    head, _, payload = out.partition(b"\r\n\r\n")
    headers = {}
    status = 200
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.strip().split()[0])
        elif name:
            headers[name.strip().lower()] = value.strip()
    return status, headers, payload


def get(sock_path, uri, remote_addr="127.0.0.1", host="autoconfig.example.com"):
    path, _, query = uri.partition("?")
    return request(sock_path, {
        "REQUEST_METHOD": "GET", "REQUEST_URI": uri, "SCRIPT_NAME": path,
        "QUERY_STRING": query, "REMOTE_ADDR": remote_addr, "HTTP_HOST": host,
        "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_LENGTH": "0"})
