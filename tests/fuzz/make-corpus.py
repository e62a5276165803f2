#!/usr/bin/env python3
# make-corpus.py — writes the seed corpora of tests/fuzz/corpus/<target>/ from the texts below,
# written for chu's fuzzing (short news-like sentences, legacy encodings, VIQR, invalid UTF-8,
# runs of combining marks, empty input). Run from the repository after `make fuzz-build`:
#     python3 tests/fuzz/make-corpus.py
# It rewrites the seeds it makes and leaves every other file (the crash-… regression inputs)
# alone. Each target's seeds start with the option bytes its harness reads (see its fuzz_*.c).
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "tests", "fuzz", "corpus")

NEWS = [
    "Sáng 16/7, Thủ tướng Chính phủ chủ trì cuộc họp trực tuyến với 63 tỉnh, thành phố.",
    "Giá xăng RON95 tăng 1.200 đồng/lít từ 15h chiều nay, mức cao nhất kể từ năm 2014.",
    "Theo Bộ Y tế, số ca mắc COVID-19 trong tuần giảm 4,5% so với tuần trước.",
    "Ông Nguyễn Văn An, Phó Giám đốc Sở GD-ĐT TP.HCM, cho biết kế hoạch 2021-2025 đã được duyệt.",
    "Đội tuyển Việt Nam thắng Thái Lan 2-1 trên sân Mỹ Đình tối 24/08/2020.",
    "Liên hệ ban@mofa.gov.vn hoặc xem https://www.mofa.gov.vn/tin-tuc để biết thêm chi tiết.",
    "Hoà bình và hòa bình, khoẻ mạnh và khỏe mạnh, thuỷ điện và thủy điện.",
    "Dự án trị giá 62.000 tỷ đồng (khoảng 2,7 tỷ USD) sẽ khởi công lúc 9h30 ngày 18 – 19/11.",
    "Bà Lan bán 3 tấn cà phê, giá 20.000đ/kg; PGS.TS. Trần Bình, v.v. và Th.S Hà cùng dự.",
    "Người dân Đà Nẵng đổ xô đi mua khẩu trang.Cùng ngày, UBND thành phố họp khẩn.",
    "#COVID19 @user 14:30 100.000 USD $5 MSMEs ASEM PPWE-1 Covid-19 ./.",
    "Quý khách vui lòng đọc kỹ hướng dẫn; lý do: kĩ thuật, quí vị, ty, ti.",
]

UNMARKED = [
    "Thu truong Bo Ngoai giao tiep dai su Nhat Ban tai Ha Noi.",
    "Phu nu duoc bau vao Quoc hoi bao nhieu lan?",
    "hoc sinh di hoc o truong lang vao buoi sang",
    "GIA XANG TANG MANH trong thang bay, nguoi dan lo lang.",
    "Da Nang va Ha Noi, Viet Nam, nam 2020",
]

ARTICLE = (
    "https://vnexpress.net/kinh-te/gia-vang-tang-4012345.html\n"
    "Trang chủ | Thời sự | Thế giới | Kinh doanh\n"
    "\n"
    "Giá vàng trong nước tăng 500.000 đồng mỗi lượng.Cùng ngày, giá USD ổn định.\n"
    "Người dân xếp hàng mua vàng tại Hà Nội. Ảnh: Giang Huy.\n"
    "Khách mua vàng sáng 9/7/2020 |\n"
    "(Ảnh: TTXVN) Ngân hàng Nhà nước cho biết sẽ theo dõi thị trường.\n"
    "\n\n\n"
    "Xem thêm\n"
    "Đăng nhập | Đăng ký\n"
    "anh-minh-hoa.jpg\n"
)

# Invalid and odd UTF-8: stray continuation bytes, overlong forms, surrogates, past U+10FFFF,
# a sequence cut at the end, and control and zero-width characters.
BAD = [
    b"Vi\xe1\xbb\x87t \xff\xfe Nam \xc3\x28 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf \xe0\x80\xaf end \xe1\xbb",
    b"\x80\x80\x80\xbf",
    "Hà\u200bNội\u00ad \x01\x07 tab\tx\r\nCRLF\r\nline\u2028sep\u2029end\x0b\x0c".encode(),
    b"\x00\x00Vi\x00\xe1t",
    "Vie\u0302\u0323t Nam, Ha\u0300 No\u0302\u0323i, \u0111\u01b0\u01a1\u0300ng, \u00d0a\u0300 N\u1eb5ng".encode(),
    ("a" + "\u0301" * 300 + " b" + "\u0323\u0302" * 60).encode(),
    ("\u0301" * 200).encode(),
    "Ｔｏàn　ｔｈể ｆｕｌｌｗｉｄｔｈ　１２３".encode(),
]

VIQR = [
    "Vie^.t Nam la` mo^.t quo^'c gia o+? DDo^ng Nam A'.",
    "Tho^ng tin: ddu+o+`ng pho^' Ha` No^.i, ngu+o+`i da^n.",
    "Anh a^'y no'i: \"Xin cha`o!\" Ba.n kho?e kho^ng? Ca'm o+n\\.",
    "Tie^'ng Vie^.t co' da^'u ho?i (?) va` da^'u nga~ (~).",
]

VNI = [
    "Vieät Nam laø moät quoác gia ôû Ñoâng Nam AÙ.",  # VNI marks as Latin-1 letters
    "Thaønh phoá Hoà Chí Minh, ngaøy 16/7.",
]


def tcvn3_table():
    """Unicode → TCVN3 byte, read from src/legacy.c's table."""
    src = open(os.path.join(ROOT, "src", "legacy.c"), encoding="utf-8").read()
    body = re.search(r"tcvn3_high\[0x5E\] = \{(.*?)\};", src, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body)
    vals = [int(v, 16) if v.strip() != "0" else 0 for v in body.replace("\n", "").split(",") if v.strip()]
    return {v: 0xA1 + i for i, v in enumerate(vals) if v}


def to_tcvn3(text):
    t = tcvn3_table()
    out = bytearray()
    for ch in text:
        cp = ord(ch)
        if cp < 0x80:
            out.append(cp)
        elif cp in t:
            out.append(t[cp])
        elif ch.lower() != ch and ord(ch.lower()) in t:
            out.append(t[ord(ch.lower())])  # toned capitals are lowercase codes in a capital font
        else:
            out += b"?"
    return bytes(out)


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def u(s):
    return s.encode("utf-8")


def texts():
    """(name, bytes) of every plain text seed."""
    out = [("empty", b"")]
    out += [("news%02d" % i, u(s)) for i, s in enumerate(NEWS)]
    out += [("unmarked%d" % i, u(s)) for i, s in enumerate(UNMARKED)]
    out += [("article", u(ARTICLE)), ("news-lines", u("\n".join(NEWS[:6]) + "\n"))]
    out += [("bad%d" % i, b) for i, b in enumerate(BAD)]
    out += [("viqr%d" % i, u(s)) for i, s in enumerate(VIQR)]
    out += [("long-word", b"a" * 5000), ("long-spaced", b"x " * 3000)]
    return out


def main():
    plain = texts()
    for t in ("clean", "sent", "tok"):
        for name, b in plain:
            write(t, name, b)

    # norm: option byte = encoding | strict << 3 | tone << 4
    UTF8, TCVN3, VNI_, VIQR_, AUTO = 0, 1, 2, 3, 4
    for name, b in plain:
        write("norm", name, bytes([UTF8]) + b)
        write("norm", name + "-strict-old", bytes([UTF8 | 8 | 16]) + b)
    for i, s in enumerate(NEWS[:4]):
        write("norm", "tcvn3-%d" % i, bytes([TCVN3]) + to_tcvn3(s))
        write("norm", "tcvn3-auto-%d" % i, bytes([AUTO]) + to_tcvn3(s))
    for i, s in enumerate(VNI):
        write("norm", "vni-latin1-%d" % i, bytes([VNI_]) + s.encode("latin-1"))
        write("norm", "vni-utf8-%d" % i, bytes([VNI_ | 8]) + u(s))
        write("norm", "vni-auto-%d" % i, bytes([AUTO]) + s.encode("latin-1"))
    for i, s in enumerate(VIQR):
        write("norm", "viqr-%d" % i, bytes([VIQR_]) + u(s))
        write("norm", "viqr-strict-%d" % i, bytes([VIQR_ | 8]) + u(s) + b"\xff")
        write("norm", "viqr-auto-%d" % i, bytes([AUTO | 16]) + u(s))
    write("norm", "auto-utf8", bytes([AUTO]) + u("Việt Nam, Hà Nội"))

    # stream: seed byte, mode byte (0x40: past 64 KiB; 0xF8: past 1 MiB + 32 KiB), text
    for name, b in plain:
        write("stream", name, bytes([7, 0]) + b)
    write("stream", "soft-spaced", bytes([3, 0x40]) + u("Một câu dài không xuống dòng "))
    write("stream", "soft-marks", bytes([9, 0x40]) + ("e" + "\u0301" * 40).encode())
    # one seed past the hard limit: such a run is slow (170 ms under the sanitizers), and the
    # fuzzer finds its way to the mode byte anyway
    write("stream", "hard-marks", bytes([1, 0xF8]) + ("a" + "\u0300" * 50).encode() + b"\x80\xe1")
    write("stream", "stop", bytes([11, 5]) + b"a\nb\nc\nd\ne\nf\ng\n")

    # seg: mode bit 0 pre-tokenized, bit 1 old tone style, bit 2 spans between spaces
    for name, b in plain:
        write("seg", name, bytes([0]) + b)
    for i, s in enumerate(NEWS[:6] + UNMARKED[:2]):
        write("seg", "pretok-%d" % i, bytes([1]) + u(s))
        write("seg", "spaces-%d" % i, bytes([5 | 2]) + u(s))
    write("seg", "spaces-bad", bytes([5]) + BAD[0])

    # tag: bit 0 words between spaces, bit 1 no POS names for NER, bit 2 made-up names
    for name, b in plain:
        write("tag", name, bytes([0]) + b)
    for i, s in enumerate(NEWS[:5]):
        write("tag", "spaces-%d" % i, bytes([1]) + u(s.replace("Nguyễn Văn An", "Nguyễn_Văn_An")))
        write("tag", "nopos-%d" % i, bytes([2]) + u(s))
        write("tag", "madeup-%d" % i, bytes([4]) + u(s))
    write("tag", "doc", bytes([0]) + u("Ông Tô Anh Dũng đến Hà Nội. Tô Anh Dũng nói. Ông Dũng gặp Bộ Ngoại giao."))

    # accent: bit 0 old tone style
    for name, b in plain:
        write("accent", name, bytes([0]) + b)
    for i, s in enumerate(UNMARKED):
        write("accent", "old-%d" % i, bytes([1]) + u(s))

    # dict: split byte (split/255 of the rest is the dictionary), dictionary, text
    dict_text = u("bình đẳng giới\nhọc_sinh\nthư viện\n\nđại sứ quán\nkỹ thuật\n" + "a " * 10 + "\n")
    for i, s in enumerate(NEWS[:6]):
        body = dict_text + u(s)
        write("dict", "dict-%d" % i, bytes([len(dict_text) * 255 // len(body)]) + body)
    write("dict", "all-dict", bytes([255]) + dict_text)
    write("dict", "bad-dict", bytes([128]) + BAD[0] + BAD[2])
    write("dict", "empty", b"")

    # search: bits 0-1 key flags, bit 2 seg model, bit 3 accent model, bit 4 tone, bit 5 index
    queries = [
        "phu nu duoc bau vao quoc hoi bao nhieu lan?",
        "da nang",
        "nguye*",
        "hòa bình",
        'title:"Hà Nội" -covid "phụ nữ" OR phu nu* per:"Tô Anh Dũng" org:UNDP loc:Huế',
        'a OR OR b',
        '"unbalanced',
        "- lone",
        'title:x OR -y',
        " OR ".join("từ%d" % i for i in range(70)),
        'he said ""quoted"" "a""b" c"d',
        "ở đâu tại sao gì ai không",
        "9/7/2020 62.000 TP.HCM kỹ kĩ",
    ]
    for i, q in enumerate(queries):
        write("search", "query-%02d" % i, bytes([(i % 4) | (4 if i % 3 == 0 else 0) | (8 if i % 2 else 0)]) + u(q))
    for name, b in plain[:12]:
        write("search", name, bytes([0x24]) + b)
    write("search", "bad", bytes([1]) + BAD[0])

    # model: the tiny models the harness trains, raw (mode 0), then edit scripts on them
    fuzz_model = os.path.join(ROOT, "build-fuzz", "fuzz_model")
    if not os.access(fuzz_model, os.X_OK):
        sys.exit("make-corpus: build build-fuzz/fuzz_model first (make fuzz-build)")
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty")
        open(empty, "wb").close()
        env = dict(os.environ, CHU_FUZZ_DUMP_MODELS=os.path.join(CORPUS, "model"))
        os.makedirs(env["CHU_FUZZ_DUMP_MODELS"], exist_ok=True)
        subprocess.run([fuzz_model, "-runs=1", empty], env=env, check=True, capture_output=True)

    def rec(op, off, val):
        return bytes([op, off & 0xFF, (off >> 8) & 0xFF, (off >> 16) & 0xFF, val])

    for k in range(1, 6):
        write("model", "m%d-none" % k, bytes([k]))
        write("model", "m%d-table" % k, bytes([k]) + rec(2, 56 + 24, 8) + rec(3, 56 + 32, 0))
        write("model", "m%d-nsections" % k, bytes([k]) + rec(1, 48, 63))
        write("model", "m%d-flip" % k, bytes([k]) + rec(0, 300, 0x40) + rec(0, 1000, 0x01))
        write("model", "m%d-cut" % k, bytes([k]) + rec(0x80, 4000, 0))
        write("model", "m%d-cut-nosum" % k, bytes([k | 0x80]) + rec(0x80, 777, 0))
    write("model", "raw-short", bytes([0]) + b"CHUMODEL\x01")
    write("model", "empty", b"")


if __name__ == "__main__":
    main()
