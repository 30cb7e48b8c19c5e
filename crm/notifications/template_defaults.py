"""The notices as they read until an admin changes them: Vietnamese, SMS without diacritics.

Each event has an SMS text (≤ 160 characters with typical values: one segment), a chat text
shared by Zalo and Telegram, and an e-mail subject; the e-mail body is the chat text with a
greeting and a signature. They are Jinja sources, not UI strings: an admin edits them on
the templates page, so they are not in the translation catalogue.
"""
from __future__ import annotations

_TRACK = "\nTheo dõi tiến độ: {{ link_tra_cuu }}"
_DUE = "{% if han_giai_quyet %} Hạn giải quyết: {{ han_giai_quyet|datetime }}.{% endif %}"
_DUE_SMS = "{% if han_giai_quyet %}, han {{ han_giai_quyet|datetime }}{% endif %}"

#: event → (sms, chat, e-mail subject)
_TEXTS: dict[str, tuple[str, str, str]] = {
    "ticket_received": (
        "Da tiep nhan yeu cau {{ ma_phieu }}" + _DUE_SMS + ". Tra cuu: {{ link_tra_cuu }}",
        "Điện lực đã tiếp nhận yêu cầu {{ loai_yeu_cau }} của quý khách, mã yêu cầu "
        "{{ ma_phieu }}." + _DUE + _TRACK,
        "Đã tiếp nhận yêu cầu {{ ma_phieu }}"),
    "step_done": (
        "{% if chi_tiet %}{{ chi_tiet }}{% else %}Yeu cau {{ ma_phieu }} da xong buoc: "
        "{{ buoc }}" + _DUE_SMS + ".{% endif %} Tra cuu: {{ link_tra_cuu }}",
        "{% if chi_tiet %}{{ chi_tiet }}{% else %}Yêu cầu {{ ma_phieu }} ({{ loai_yeu_cau }}) "
        "đã hoàn thành bước: {{ buoc }}.{% endif %}" + _DUE + _TRACK,
        "Yêu cầu {{ ma_phieu }}: đã hoàn thành bước {{ buoc }}"),
    "appointment": (
        "Yeu cau {{ ma_phieu }}: nhan vien dien luc hen gap quy khach luc "
        "{{ gio_hen|datetime }}. Tra cuu: {{ link_tra_cuu }}",
        "Yêu cầu {{ ma_phieu }} ({{ loai_yeu_cau }}): nhân viên Điện lực hẹn làm việc với "
        "quý khách lúc {{ gio_hen|datetime }}.{% if ghi_chu %} {{ ghi_chu }}{% endif %}\n"
        "Nếu cần đổi lịch, quý khách vui lòng trả lời tin nhắn này hoặc gọi tổng đài."
        + _TRACK,
        "Lịch hẹn cho yêu cầu {{ ma_phieu }}: {{ gio_hen|datetime }}"),
    "resolved": (
        "Yeu cau {{ ma_phieu }} da giai quyet xong{% if ket_qua %}: {{ ket_qua }}{% endif %}. "
        "Chi tiet: {{ link_tra_cuu }}",
        "Yêu cầu {{ ma_phieu }} ({{ loai_yeu_cau }}) đã được giải quyết xong."
        "{% if ket_qua %}\nKết quả: {{ ket_qua }}{% endif %}\nChi tiết: {{ link_tra_cuu }}\n"
        "Cảm ơn quý khách đã sử dụng dịch vụ.",
        "Yêu cầu {{ ma_phieu }} đã được giải quyết"),
    "deferred": (
        "Yeu cau {{ ma_phieu }} tam hoan{% if hoan_den %} den {{ hoan_den|date }}{% endif %}."
        "{% if ly_do %} {{ ly_do }}{% else %} Dien luc se lien he khi xu ly tiep.{% endif %} "
        "Tra cuu: {{ link_tra_cuu }}",
        "Yêu cầu {{ ma_phieu }} ({{ loai_yeu_cau }}) tạm hoãn{% if hoan_den %} đến ngày "
        "{{ hoan_den|date }}{% endif %}.{% if ly_do %} Lý do: {{ ly_do }}{% endif %}\n"
        "Điện lực sẽ liên hệ quý khách khi tiếp tục xử lý; thời hạn giải quyết được tính "
        "tiếp từ lúc đó." + _TRACK,
        "Yêu cầu {{ ma_phieu }} tạm hoãn"),
    "resumed": (
        "Yeu cau {{ ma_phieu }} duoc xu ly tiep" + _DUE_SMS + ". Tra cuu: {{ link_tra_cuu }}",
        "Yêu cầu {{ ma_phieu }} ({{ loai_yeu_cau }}) đã được tiếp tục xử lý." + _DUE
        + _TRACK,
        "Yêu cầu {{ ma_phieu }} được tiếp tục xử lý"),
    "merged": (
        "Yeu cau {{ ma_phieu_cu }} da duoc gop vao {{ ma_phieu }}; vui long tra cuu theo ma "
        "{{ ma_phieu }}: {{ link_tra_cuu }}",
        "Yêu cầu {{ ma_phieu_cu }} của quý khách đã được gộp vào yêu cầu {{ ma_phieu }} "
        "({{ loai_yeu_cau }}). Từ nay quý khách vui lòng theo dõi theo mã {{ ma_phieu }}."
        + _DUE + _TRACK,
        "Yêu cầu {{ ma_phieu_cu }} đã được gộp vào {{ ma_phieu }}"),
    "incident_known": (
        "Dien luc da ghi nhan mat dien tai {{ khu_vuc }}, ma {{ ma_phieu }}."
        "{% if du_kien_co_dien %} Du kien co dien lai {{ du_kien_co_dien|datetime }}."
        "{% endif %} {{ link_tra_cuu }}",
        "Điện lực đã ghi nhận sự cố mất điện tại {{ khu_vuc }} và đang khắc phục (mã yêu cầu "
        "{{ ma_phieu }}).{% if du_kien_co_dien %} Dự kiến có điện lại lúc "
        "{{ du_kien_co_dien|datetime }}.{% endif %}" + _TRACK,
        "Sự cố mất điện tại {{ khu_vuc }}"),
    "incident_restored": (
        "Dien tai {{ khu_vuc }} da co lai{% if co_dien_luc %} luc {{ co_dien_luc|datetime }}"
        "{% endif %}. Yeu cau {{ ma_phieu }} da dong. Xin loi quy khach vi su gian doan.",
        "Điện tại {{ khu_vuc }} đã có trở lại{% if co_dien_luc %} lúc "
        "{{ co_dien_luc|datetime }}{% endif %}. Yêu cầu {{ ma_phieu }} đã được đóng.\n"
        "Điện lực xin lỗi quý khách vì sự gián đoạn.",
        "Đã có điện trở lại tại {{ khu_vuc }}"),
    "planned_outage": (
        "{% if loai_thong_bao == 'cancelled' %}HUY lich"
        "{% elif loai_thong_bao == 'changed' %}DOI lich{% else %}Lich{% endif %} "
        "ngung cap dien tai {{ khu_vuc }}: tu {{ bat_dau|datetime }} den "
        "{{ ket_thuc|datetime }}.",
        "{{ dien_luc or 'Điện lực' }} thông báo {% if loai_thong_bao == 'cancelled' %}HỦY lịch"
        "{% elif loai_thong_bao == 'changed' %}THAY ĐỔI lịch{% else %}lịch{% endif %} "
        "tạm ngừng cấp điện tại {{ khu_vuc }}: từ {{ bat_dau|datetime }} đến "
        "{{ ket_thuc|datetime }}.{% if ly_do %} Lý do: {{ ly_do }}{% endif %}\n"
        "Mong quý khách thông cảm.",
        "{% if loai_thong_bao == 'cancelled' %}Hủy lịch"
        "{% elif loai_thong_bao == 'changed' %}Thay đổi lịch{% else %}Lịch{% endif %} "
        "tạm ngừng cấp điện {{ bat_dau|date }}"),
    "abnormal_consumption": (
        "San luong ky {{ ky }}: {{ kwh|number }} kWh, {% if muc_thay_doi is none %}ky truoc "
        "{{ kwh_ky_truoc|number }} kWh{% else %}{% if muc_thay_doi > 0 %}tang{% else %}giam"
        "{% endif %} {{ muc_thay_doi|percent }} so voi ky truoc{% endif %}. Dien luc se phuc "
        "tra chi so, ma {{ ma_phieu }}.",
        "Sản lượng điện kỳ {{ ky }} của quý khách là {{ kwh|number }} kWh, "
        "{% if muc_thay_doi is none %}trong khi kỳ trước là {{ kwh_ky_truoc|number }} kWh"
        "{% else %}{% if muc_thay_doi > 0 %}tăng{% else %}giảm{% endif %} "
        "{{ muc_thay_doi|percent }} so với kỳ trước ({{ kwh_ky_truoc|number }} kWh){% endif %}"
        ". Điện lực sẽ kiểm tra lại chỉ số công tơ (phúc tra), mã yêu cầu {{ ma_phieu }}."
        + _TRACK,
        "Sản lượng điện kỳ {{ ky }} thay đổi bất thường"),
    "bill": (
        "Tien dien ky {{ ky }}{% if ma_khach_hang %} KH {{ ma_khach_hang }}{% endif %}: "
        "{{ so_tien|money }} ({{ kwh|number }} kWh){% if han_thanh_toan %}, han TT "
        "{{ han_thanh_toan|date }}{% endif %}.{% if kwh_ky_truoc is not none %} Thang truoc "
        "{{ kwh_ky_truoc|number }} kWh.{% endif %}{% if kwh_ky_nam_truoc is not none %} "
        "Cung ky nam truoc {{ kwh_ky_nam_truoc|number }} kWh.{% endif %}",
        "Tiền điện kỳ {{ ky }}{% if ma_khach_hang %} (mã khách hàng {{ ma_khach_hang }})"
        "{% endif %}: {{ so_tien|money }} cho {{ kwh|number }} kWh.{% if han_thanh_toan %} Hạn "
        "thanh toán: {{ han_thanh_toan|date }}.{% endif %}{% if kwh_ky_truoc is not none %}\n"
        "Tháng trước: {{ kwh_ky_truoc|number }} kWh.{% endif %}"
        "{% if kwh_ky_nam_truoc is not none %}\nCùng kỳ năm trước: "
        "{{ kwh_ky_nam_truoc|number }} kWh.{% endif %}",
        "Thông báo tiền điện kỳ {{ ky }}"),
    "csat_survey": (
        "Yeu cau {{ ma_phieu }} da hoan thanh. Moi quy khach cham diem muc do hai long "
        "tu 1 den 10 bang cach tra loi tin nhan nay. Xin cam on!",
        "Yêu cầu {{ ma_phieu }}{% if tieu_de %} ({{ tieu_de }}){% endif %} đã hoàn thành. "
        "Mời quý khách chấm "
        "điểm mức độ hài lòng từ 1 đến 10 bằng cách trả lời tin nhắn này với một con số.\n"
        "Xin cảm ơn quý khách!",
        "Mời quý khách đánh giá yêu cầu {{ ma_phieu }}"),
}

_GREETING = "Kính gửi quý khách{% if ten_khach_hang %} {{ ten_khach_hang }}{% endif %},\n\n"
_SIGNATURE = "\n\nTrân trọng,\nTrung tâm Chăm sóc khách hàng"

#: (event, channel) → (subject or None, body)
DEFAULTS: dict[tuple[str, str], tuple[str | None, str]] = {}
for _event, (_sms, _chat, _subject) in _TEXTS.items():
    DEFAULTS[(_event, "sms")] = (None, _sms)
    DEFAULTS[(_event, "zalo")] = (None, _GREETING + _chat)
    DEFAULTS[(_event, "telegram")] = (None, _GREETING + _chat)
    DEFAULTS[(_event, "email")] = (_subject, _GREETING + _chat + _SIGNATURE)
