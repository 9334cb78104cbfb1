#!/usr/bin/env python3
"""Checks a policy-ledger proof, receipt or consistency proof with no
policy-ledger code: an independent reading of docs/proofs.md, using only
hashlib and the 'cryptography' package for Ed25519.

usage: python3 docs/check-proof.py PROOF PUBLIC_KEY_FILE

Prints 'ok: …' and exits 0 when the checkpoint is signed by the key and the
entry in the proof is in the checkpoint's tree, or, for a consistency proof,
when both checkpoints are signed by the key and the new tree extends the old
one; otherwise exits 1.
"""
import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(message):
    print("error: " + message, file=sys.stderr)
    sys.exit(1)


def b64(text):
    """Standard base64 with padding, canonical spelling only."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError:
        fail("not base64: " + repr(text))
    if base64.b64encode(data).decode() != text:
        fail("non-canonical base64: " + text)
    return data


def decimal(text, what):
    """A number as proofs.md writes it: ASCII digits, no sign, space or leading zero."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        fail(what + " is not a decimal number written without sign, space or leading zero: " + repr(text))
    return int(text)


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).digest()


def read_key(key_path):
    """The public key NAME+HASH+BASE64(0x01 || key); the key ID is the first four
    bytes of SHA-256(NAME || 0x0A || 0x01 || key)."""
    name, key_hash, key_data = open(key_path, encoding="utf-8").read().strip().split("+", 2)
    key_data = b64(key_data)
    if key_data[0] != 0x01 or len(key_data) != 33:
        fail("not an Ed25519 key")
    key_id = sha256(name.encode(), b"\n", key_data)[:4]
    if key_id.hex() != key_hash:
        fail("the key's hash does not match its name and key")
    return name, key_id, Ed25519PublicKey.from_public_bytes(key_data[1:])


def read_checkpoint(note, key, which="the checkpoint"):
    """A checkpoint note: its text runs to the last blank line; then one
    '— NAME BASE64(key ID || Ed25519 signature)' line per signature. Only
    signatures whose name and key ID match the key count; one of them must
    verify. Returns (origin, size, root)."""
    name, key_id, public_key = key
    text, _, signature_lines = note.rpartition("\n\n")
    text += "\n"
    origin, size, root = text.split("\n")[:3]
    size, root = decimal(size, "the checkpoint's size"), b64(root)
    signed = False
    for line in signature_lines.strip("\n").split("\n"):
        if not line.startswith("\u2014 "):
            fail("malformed signature line")
        signer, blob = line[2:].split(" ")
        blob = b64(blob)
        if signer == name and blob[:4] == key_id:
            try:
                public_key.verify(blob[4:], text.encode())
            except InvalidSignature:
                fail(which + "'s signature does not verify")
            signed = True
    if not signed:
        fail(which + " is not signed by " + name)
    return origin, size, root


def check_inclusion(lines, key):
    # 1. The proof (c2sp.org/tlog-proof@v1): header, extra (the entry), index, the
    #    audit path (leaf first), a blank line, then the checkpoint note verbatim.
    if not lines[1].startswith("extra ") or not lines[2].startswith("index "):
        fail("expected 'extra' and 'index' lines")
    extra, index = b64(lines[1][len("extra "):]), decimal(lines[2][len("index "):], "the index")
    path, i = [], 3
    while lines[i] != "":
        path.append(b64(lines[i]))
        i += 1

    # 2. The checkpoint, signed by the key.
    origin, size, root = read_checkpoint("\n".join(lines[i + 1:]), key)

    # 3. The entry: extra = previous hash (32 bytes) || canonical entry bytes, so
    #    SHA-256(extra) is the entry hash. The canonical bytes start with the seq,
    #    an integer: tag 0x01, then 8 bytes big-endian. The leaf index is seq - 1.
    entry_hash = sha256(extra)
    if extra[32] != 0x01:
        fail("the entry does not start with its seq")
    seq = struct.unpack(">q", extra[33:41])[0]
    if seq != index + 1:
        fail("the entry is not at the proof's index")

    # 4. RFC 9162 section 2.1.3.2: from the leaf hash up the audit path to the root.
    if index >= size:
        fail("the index is outside the tree")
    r, fn, sn = sha256(b"\x00", entry_hash), index, size - 1
    for p in path:
        if sn == 0:
            fail("the audit path is too long")
        if fn & 1 or fn == sn:
            r = sha256(b"\x01", p, r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01", r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0 or r != root:
        fail("the audit path does not lead to the checkpoint's root")
    print(f"ok: entry {seq} (entry hash {entry_hash.hex()}) is in {origin} at tree size {size}, signed by {key[0]}")


def check_consistency(lines, key):
    # 1. The proof (policy-ledger consistency proof v1): header, the proof hashes,
    #    a blank line, the old checkpoint note (text, blank line, signature lines),
    #    a blank line, the new checkpoint note.
    path, i = [], 1
    while lines[i] != "":
        path.append(b64(lines[i]))
        i += 1
    start = end = i + 1
    while lines[end] != "":
        end += 1
    end += 1
    while lines[end].startswith("\u2014 "):
        end += 1
    if lines[end] != "":
        fail("expected a blank line after the old checkpoint")

    # 2. Both checkpoints signed by the key, of one origin, the old one not larger.
    origin, m, old_root = read_checkpoint("\n".join(lines[start:end]) + "\n", key, "the old checkpoint")
    new_origin, n, new_root = read_checkpoint("\n".join(lines[end + 1:]), key, "the new checkpoint")
    if origin != new_origin:
        fail("the checkpoints are of different ledgers")
    if m > n:
        fail("the old checkpoint is larger than the new one")

    # 3. RFC 9162 section 2.1.4.2.
    if m == n or m == 0:
        if path or (m == n and old_root != new_root) or (m == 0 and old_root != sha256()):
            fail("the consistency proof does not hold")
    else:
        if not path:
            fail("the consistency proof is empty")
        if m & (m - 1) == 0:
            path = [old_root] + path
        fn, sn = m - 1, n - 1
        while fn & 1:
            fn >>= 1
            sn >>= 1
        fr = sr = path[0]
        for c in path[1:]:
            if sn == 0:
                fail("the consistency proof is too long")
            if fn & 1 or fn == sn:
                fr = sha256(b"\x01", c, fr)
                sr = sha256(b"\x01", c, sr)
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
            else:
                sr = sha256(b"\x01", sr, c)
            fn >>= 1
            sn >>= 1
        if sn != 0 or fr != old_root or sr != new_root:
            fail("the consistency proof does not lead to both checkpoints' roots")
    print(f"ok: {origin} at tree size {n} extends tree size {m}, both signed by {key[0]}")


proof_path, key_path = sys.argv[1], sys.argv[2]
data = open(proof_path, "rb").read()
# LF line ends only, and the last line ended: a CR or a missing last newline is a
# changed or cut proof, which policy-ledger refuses too.
if b"\r" in data:
    fail("the proof holds a CR; its lines end with LF only")
if not data.endswith(b"\n"):
    fail("the proof does not end with a newline (was it cut short?)")
lines = data.decode("utf-8").split("\n")
key = read_key(key_path)
if lines[0] == "c2sp.org/tlog-proof@v1":
    check_inclusion(lines, key)
elif lines[0] == "policy-ledger consistency proof v1":
    check_consistency(lines, key)
else:
    fail("not a tlog-proof or a consistency proof")
