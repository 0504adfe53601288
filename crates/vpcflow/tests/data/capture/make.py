#!/usr/bin/env python3
"""Writes the capture fixtures of crates/vpcflow/tests/capture.rs, byte for byte the same on every run.

web.pcap (Ethernet, one VLAN-tagged frame): an HTTP exchange from the internet with 10.0.10.30, an NTP query
and its answer, a ping, DNS to the Amazon DNS server (not logged), instance metadata (not logged), an ARP frame
(not IP), GRE. cooked.pcapng (Linux cooked capture v1 and v2 interfaces): IPv6 UDP and ICMPv6 between
2001:db8::30 and 2001:db8::99, and TCP over IPv4.
"""
import ipaddress, struct, pathlib

HERE = pathlib.Path(__file__).parent
T0 = 1676320247  # 2023-02-14T05:30:47+09:00, the seed's first record

def ip4(src, dst, proto, payload):
    total = 20 + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, proto, 0,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + payload

def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + payload

def tcp(sp, dp, flags, n=0):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 1, 5 << 4, flags, 65535, 0, 0) + b"\0" * n

def udp(sp, dp, n=0):
    return struct.pack("!HHHH", sp, dp, 8 + n, 0) + b"\0" * n

def icmp(t, n=56):
    return struct.pack("!BBHHH", t, 0, 0, 1, 1) + b"\0" * n

def eth(packet, v6=False, vlan=None):
    head = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01"
    if vlan is not None:
        head += struct.pack("!HH", 0x8100, vlan)
    return head + struct.pack("!H", 0x86DD if v6 else 0x0800) + packet

def pcap(path, frames):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for ts, f in frames:
        out += struct.pack("<IIII", ts, 0, len(f), len(f)) + f
    path.write_bytes(out)

def block(kind, body):
    body += b"\0" * (-len(body) % 4)
    return struct.pack("<II", kind, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))

def pcapng(path, interfaces, frames):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for link in interfaces:
        out += block(1, struct.pack("<HHI", link, 0, 0))
    for iface, ts, f in frames:
        us = ts * 1_000_000
        out += block(6, struct.pack("<IIIII", iface, us >> 32, us & 0xFFFFFFFF, len(f), len(f)) + f)
    path.write_bytes(out)

ME, HOME, NTP = "10.0.10.30", "27.138.93.252", "82.209.245.153"
web = [
    (T0 + 0, eth(ip4(HOME, ME, 6, tcp(50611, 80, 0x02)))),
    (T0 + 0, eth(ip4(ME, HOME, 6, tcp(80, 50611, 0x12)))),
    (T0 + 1, eth(ip4(HOME, ME, 6, tcp(50611, 80, 0x18, 420)), vlan=30)),
    (T0 + 1, eth(ip4(ME, HOME, 6, tcp(80, 50611, 0x18, 1400)))),
    (T0 + 2, eth(ip4(HOME, ME, 6, tcp(50611, 80, 0x11)))),
    (T0 + 2, eth(ip4(ME, HOME, 6, tcp(80, 50611, 0x11)))),
    (T0 + 3, eth(ip4(ME, NTP, 17, udp(35612, 123, 48)))),
    (T0 + 3, eth(ip4(NTP, ME, 17, udp(123, 35612, 48)))),
    (T0 + 4, eth(ip4(HOME, ME, 1, icmp(8)))),
    (T0 + 4, eth(ip4(ME, HOME, 1, icmp(0)))),
    (T0 + 5, eth(ip4(ME, "10.0.0.2", 17, udp(40000, 53, 30)))),
    (T0 + 5, eth(ip4("10.0.0.2", ME, 17, udp(53, 40000, 80)))),
    (T0 + 6, eth(ip4(ME, "169.254.169.254", 6, tcp(40001, 80, 0x02)))),
    (T0 + 6, b"\xff" * 6 + b"\x02\0\0\0\0\x01" + b"\x08\x06" + b"\0" * 28),
    (T0 + 7, eth(ip4(ME, "10.0.20.7", 47, b"\0" * 40))),
    (T0 + 70, eth(ip4(HOME, ME, 6, tcp(50612, 80, 0x02)))),
]
pcap(HERE / "web.pcap", web)

def sll(packet, v6):
    return struct.pack("!HHH8sH", 4, 1, 6, b"\x02\0\0\0\0\x01\0\0", 0x86DD if v6 else 0x0800) + packet

def sll2(packet, v6):
    return struct.pack("!HHIHBB8s", 0x86DD if v6 else 0x0800, 0, 2, 1, 4, 6, b"\x02\0\0\0\0\x01\0\0") + packet

A6, B6 = "2001:db8::30", "2001:db8::99"
cooked = [
    (0, T0, sll(ip6(A6, B6, 17, udp(5000, 4789, 100)), True)),
    (1, T0 + 1, sll2(ip6(B6, A6, 17, udp(4789, 5000, 100)), True)),
    (0, T0 + 2, sll(ip6(A6, B6, 58, icmp(128)), True)),
    (1, T0 + 2, sll2(ip6(B6, A6, 58, icmp(129)), True)),
    (0, T0 + 3, sll(ip4(ME, "10.0.20.7", 6, tcp(40002, 5432, 0x02)), False)),
]
pcapng(HERE / "cooked.pcapng", [113, 276], cooked)
