"""What each .eml of tests/fixtures/email parses to and which thread it lands in.

One row per file, read by tests/unit/test_email_fixtures.py (the parse) and
tests/integration/test_email_threading.py (the thread). Threads: "T1" is An's open e-mail
ticket YC2512-000001 (our notice to An and An's first mail are on it), "T2" An's hotline
ticket YC2512-000002, "new" a ticket opened by the mail, None no ticket at all.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "email"


def _load_builder():
    spec = importlib.util.spec_from_file_location("email_fixture_builder", FIXTURES / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.eml").read_bytes()


@dataclass(frozen=True)
class Case:
    file: str
    sender: str
    subject: str | None
    text_has: tuple[str, ...] = ()
    name: str | None = None
    html: bool = False
    attachments: tuple[tuple[str, str], ...] = ()
    automatic: str | None = None
    shown: str | None = None           #: the new part when quoted history is folded away
    thread: str | None = "new"
    meta: tuple[tuple[str, object], ...] = ()


AN = builder.AN
CASES = [
    # encodings
    Case("b_subject", "binh@example.vn", "Mất điện từ sáng ở phường Hải Châu",
         ("12 Lê Lợi mất điện", "Xin kiểm tra giúp."), name="Trần Thị Bình"),
    Case("q_subject_two_words", "cuong@example.vn", "Đăng ký cấp điện mới",
         ("đăng ký cấp điện mới cho nhà ở Hòa Vang",), name="Lê Văn Cường"),
    Case("base64_body", "dung@example.vn", "Hoi ve hoa don", ("Hóa đơn tháng 10",)),
    Case("qp_soft_breaks", "em@example.vn", "Kiem tra cong to",
         ("dù không dùng điện. Nhờ kiểm tra.",)),
    Case("windows1258_body", "giang@example.vn", "Thu tu Outlook cu",
         ("Tiếng Việt từ máy cũ: Điện lực Sơn Trà, mất điện, hỗ trợ.",)),
    Case("windows1258_subject", "giang@example.vn", "Cúp điện", ("Nội dung.",)),
    Case("iso8859_1", "rene@example.fr", "Facture", ("trop élevée. Merci, René.",), name="René"),
    Case("windows1252", "hanh@example.vn", "Quotes", ("\u201cH\u00f3a", "\u2013 100 \u20ac")),
    Case("utf16_body", "khanh@example.vn", "UTF-16", ("Khánh hỏi về lịch cắt điện.",)),
    Case("viscii_body", "long@example.vn", "VISCII", ("VISCII bytes:", "end.")),
    Case("unknown_charset", "minh@example.vn", "Qapla\u00ff", ("Xin ch", "done.")),
    Case("gb2312_subject", "lin@example.cn", "电费账单", ("Chinese subject.",)),
    Case("nfd_name", "ngoc@example.vn", "Gửi từ Mac", ("Tôi gửi từ máy Mac: điện chập chờn.",),
         name="Nguyễn Thị Ngọc"),
    Case("raw_8bit_headers", "oai@example.vn", "Đề nghị đổi chủ hợp đồng",
         ("sang tên hợp đồng điện",), name="Phạm Quốc Oai"),
    # bodies
    Case("html_only", "phuc@example.vn", "Chỉ có HTML",
         ("Xin chào,", "Khu phố tôi mất điện 3 lần trong tuần.", "- Thứ Hai"), html=True),
    Case("hostile_html", "quang@example.vn", "HTML nguy hiểm", ("Xem ảnh đính kèm.",), html=True,
         meta=(("remote_images", 2),)),
    Case("forwarded_rfc822", "son@example.vn", "Fwd: Thông báo tiền điện",
         ("Nhờ xem thư này giúp.", "Thông báo tiền điện tháng 10", "Số tiền: 1.234.567 đ"),
         shown="Nhờ xem thư này giúp."),
    # attachments
    Case("attachments_rfc2231", "thu@example.vn", "Hồ sơ cấp điện mới", ("Gửi kèm giấy tờ.",),
         name="Võ Thị Thu", html=True,
         attachments=(("Hợp đồng mua bán điện.pdf", "application/pdf"),
                      ("Căn cước công dân.png", "image/png"))),
    Case("attachment_rfc2047_name", "uyen@example.vn", "Ảnh công tơ", ("Ảnh chụp công tơ.",),
         attachments=(("Ảnh công tơ.png", "image/png"),)),
    Case("inline_image", "vinh@example.vn", "Ảnh trong thư", ("Dây điện bị đứt:",), html=True,
         attachments=(("tep-1.png", "image/png"),), meta=(("inline_images", 1),)),
    # replies and threading
    Case("gmail_reply_vi", AN, "Re: [YC2512-000001] Mất điện", ("Đến giờ vẫn chưa có điện ạ.",),
         name="Nguyễn Văn An", shown="Đến giờ vẫn chưa có điện ạ.", thread="T1"),
    Case("outlook_reply", AN, "RE: [YC2512-000001] Mất điện", ("Cảm ơn, điện đã có lại.",),
         name="Nguyễn Văn An", html=True, shown="Cảm ơn, điện đã có lại.", thread="T1"),
    Case("apple_reply_references", AN, "Re: Còn một việc nữa", ("Còn cột điện nghiêng nữa.",),
         name="Nguyễn Văn An", html=True, shown="Còn cột điện nghiêng nữa.", thread="T1"),
    Case("reply_subject_code_only", AN, "Bổ sung cho phiếu [YC2512-000002]",
         ("Bổ sung số công tơ",), name="Nguyễn Văn An", thread="T2"),
    Case("reply_changed_subject", AN, "Câu hỏi khác [YC2512-000002]", ("Tôi đổi tiêu đề",),
         name="Nguyễn Văn An", thread="T1"),
    Case("reply_foreign_code", "xuan@example.vn", "Re: [YC2512-000001] xem trộm",
         ("Thư của người khác",), thread="new"),
    Case("bottom_posted", "yen@example.vn", "Trả lời kiểu cũ",
         ("> Câu hỏi của tổng đài?", "Câu trả lời nằm dưới")),
    Case("no_message_id", "zung@example.vn", "Không có Message-ID", ("máy in quét",)),
    # machines
    Case("bounce_dsn", "mailer-daemon@mx.example.vn", "Undelivered Mail Returned to Sender", ("could not be delivered",),
         automatic="bounce", thread="T1", name="Mail Delivery System"),
    Case("bounce_plain_mailer_daemon", "mailer-daemon@old-mx.example.vn", "failure notice", ("qmail-send program",),
         automatic="bounce", thread="T1"),
    Case("bounce_delayed", "postmaster@mx.example.vn", "Delivery delayed", ("Still trying.",), automatic="bounce",
         thread="T1"),
    Case("vacation_gmail", AN, "Trả lời tự động: [YC2512-000001] Mất điện",
         ("đi công tác đến 30/11",), name="Nguyễn Văn An", automatic="auto_reply", thread="T1"),
    Case("ooo_outlook", "tuan@corp.example.vn", "Automatic reply: Thông báo lịch cắt điện",
         ("out of the office",), name="Anh Tuấn", automatic="auto_reply", thread=None),
    Case("ooo_subject_only", "chi@example.vn", "Out of Office: phiếu của tôi", ("1 December",),
         automatic="auto_reply", thread=None),
    Case("x_autoreply", "hoa@example.vn", "Cảm ơn bạn đã liên hệ", ("trả lời tự động",),
         automatic="auto_reply", thread=None),
    Case("bulk_list", "news@shop.example.vn", "Khuyến mãi tháng 11", ("Giảm giá 50%",),
         name="Bản tin", automatic="bulk", thread=None),
    Case("precedence_junk", "spam@junk.example.com", "You won", ("Claim now.",),
         automatic="bulk", thread=None),
    Case("read_receipt_mdn", "ly@example.vn", "Đã đọc: Thông báo", ("đã được đọc",),
         automatic="auto_reply", thread=None),
    # broken
    Case("broken_mime", "mai@example.vn", "Thư hỏng", ("Phần đọc được của thư hỏng.",),
         attachments=(("hop-dong.pdf", "application/pdf"),)),
    Case("broken_headers", "ngo@example.vn", "bad word", ("Nội dung vẫn đọc được.",),
         meta=(("legacy_parser", True),)),
]

#: Files the parser refuses (answered 400 by the relay endpoint, reported by the poller).
REFUSED = {"no_sender": "no sender address"}
