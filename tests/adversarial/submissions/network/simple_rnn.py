# Tries every way out: the grader's loopback, the host's address, UDP, IPv6, outside, DNS, Unix sockets.
import json
import socket

results = {}


def attempt(name, action):
    try:
        action()
        results[name] = "ok"
    except Exception as exc:  # noqa: BLE001
        results[name] = type(exc).__name__


def tcp(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect((host, port))
        sock.sendall(b"pwned {{MARKER}}")


def udp(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(b"pwned {{MARKER}}", (host, port))


def unix(address):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(address)
        sock.sendall(b"pwned {{MARKER}}")


attempt("tcp_loopback", lambda: tcp("127.0.0.1", {{PORT}}))
attempt("tcp_host", lambda: tcp("{{HOST_IP}}", {{PORT}}))
attempt("tcp6_loopback", lambda: tcp("::1", {{PORT}}))
attempt("udp_loopback", lambda: udp("127.0.0.1", {{UDP_PORT}}))
attempt("udp_host", lambda: udp("{{HOST_IP}}", {{UDP_PORT}}))
attempt("outside", lambda: tcp("1.1.1.1", 53))
attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
attempt("unix", lambda: unix("{{UNIX_SOCK}}"))
attempt("abstract", lambda: unix("\0{{ABSTRACT}}"))
raise RuntimeError("PROBE " + json.dumps(results))
