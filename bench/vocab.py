"""Vietnamese word lists for the synthetic bench dataset, and the id → value formulas that
`dataset.py` runs in SQL and the benchmarks repeat in Python (phones, codes).

Weights are repetitions: "Nguyễn" appears 38 times in 100 family names, as in the census.
"""
from __future__ import annotations

FAMILY = (["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 10 + ["Phạm"] * 7 + ["Hoàng"] * 4
          + ["Huỳnh"] * 3 + ["Phan"] * 4 + ["Vũ", "Vũ", "Võ", "Võ", "Đặng", "Đặng", "Bùi", "Bùi",
                                            "Đỗ", "Đỗ", "Hồ", "Hồ", "Ngô", "Ngô"]
          + ["Dương", "Lý", "Đinh", "Trương", "Lương", "Mai", "Tô", "Cao"])
MIDDLE_MALE = ["Văn"] * 6 + ["Hữu", "Đức", "Minh", "Quang", "Công", "Thanh", "Xuân", "Đình",
                             "Quốc", "Tấn", "Ngọc", "Bá"]
MIDDLE_FEMALE = ["Thị"] * 6 + ["Ngọc", "Thu", "Thanh", "Hồng", "Kim", "Mỹ", "Phương", "Thùy",
                               "Bích", "Diệu", "Khánh", "Minh"]
#: the optional second middle syllable ("Nguyễn Thị Hồng Nhung")
MIDDLE_EXTRA = ["Hồng", "Thanh", "Minh", "Ngọc", "Kim", "Thu", "Anh", "Hoài", "Bảo", "Gia"]
GIVEN_MALE = ["An", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Đức", "Hải", "Hiếu", "Hòa", "Hùng",
              "Huy", "Khánh", "Khoa", "Kiên", "Lâm", "Long", "Lộc", "Minh", "Nam", "Nghĩa",
              "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài", "Tâm", "Thắng", "Thành", "Thiện",
              "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Hoàng", "Hưng", "Tiến",
              "Trí", "Khang", "Bảo", "Đông", "Hậu", "Lợi", "Nhân", "Phát", "Sang", "Tín",
              "Trọng", "Tú", "Hiển", "Lực"]
GIVEN_FEMALE = ["Anh", "Bích", "Châu", "Chi", "Diễm", "Dung", "Duyên", "Giang", "Hà", "Hằng",
                "Hạnh", "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Huyền", "Lan", "Liên", "Linh",
                "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Nhi", "Oanh", "Phương",
                "Quyên", "Quỳnh", "Tâm", "Thảo", "Thanh", "Thơ", "Thu", "Thủy", "Thúy", "Trang",
                "Trinh", "Tuyết", "Uyên", "Vân", "Vy", "Xuân", "Yến", "Nhàn", "Lụa", "Điệp"]
#: given names about 1 customer in 200 has: the "rare name" searches
GIVEN_RARE = ["Khuê", "Triều", "Xoan", "Quỳ", "Thạch", "Lựu", "Khôi", "Ngữ", "Sửu", "Tuất"]

STREETS = ["Lê Lợi", "Trần Phú", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Phan Chu Trinh",
           "Hai Bà Trưng", "Lý Thường Kiệt", "Điện Biên Phủ", "Nguyễn Văn Linh", "Bạch Đằng",
           "Ông Ích Khiêm", "Lê Duẩn", "Hoàng Diệu", "Núi Thành", "Tôn Đức Thắng",
           "Ngô Quyền", "Trưng Nữ Vương", "Phạm Văn Đồng", "Võ Nguyên Giáp"]
PLACES = ["Hải Châu", "Thanh Khê", "Sơn Trà", "Ngũ Hành Sơn", "Liên Chiểu", "Cẩm Lệ",
          "Hòa Vang", "Tam Kỳ", "Hội An", "Điện Bàn", "Duy Xuyên", "Đại Lộc", "Quế Sơn",
          "Thăng Bình", "Núi Thành", "Tiên Phước", "Hiệp Đức", "Phú Ninh", "Nông Sơn",
          "Nam Giang", "Đông Giang", "Tây Giang", "Phước Sơn", "Bắc Trà My", "Nam Trà My",
          "Quảng Ngãi", "Bình Sơn", "Sơn Tịnh", "Tư Nghĩa", "Mộ Đức", "Đức Phổ", "Ba Tơ",
          "Minh Long", "Nghĩa Hành", "Trà Bồng", "Lý Sơn", "Quy Nhơn", "An Nhơn", "Hoài Nhơn",
          "Phù Cát", "Phù Mỹ", "Tây Sơn", "Vĩnh Thạnh", "Vân Canh", "Tuy Phước", "Hoài Ân",
          "An Lão", "Tuy Hòa", "Sông Cầu", "Đông Hòa"]
WARD_NAMES = ["Hòa Minh", "Thạc Gián", "An Hải Bắc", "Tân Chính", "Điện Nam Bắc", "Hòa Khánh",
              "Mỹ An", "Phước Mỹ", "Khuê Trung", "Hòa Xuân", "Tam Thanh", "Cẩm Châu",
              "Duy Hải", "Đại Hiệp", "Quế Phú", "Bình Triều", "Tam Nghĩa", "Tiên Kỳ",
              "Bình Lâm", "Tam Thăng", "Quế Trung", "Cà Dy", "Sông Kôn", "Lăng", "Phước Đức",
              "Trà Giang", "Trà Nam", "Nghĩa Lộ", "Bình Sơn", "Tịnh Phong", "Nghĩa Kỳ",
              "Đức Lân", "Phổ Ninh", "Ba Vì", "Long Hiệp", "Hành Thịnh", "Trà Xuân",
              "An Vĩnh", "Ghềnh Ráng", "Nhơn Hưng", "Tam Quan", "Cát Tiến", "Mỹ Chánh",
              "Bình Tường", "Vĩnh Hảo", "Canh Vinh", "Phước Lộc", "Ân Tín", "An Hòa",
              "Xuân Phú", "Xuân Yên", "Hòa Vinh", "Tân Lập", "Nhơn Phú", "Hòa Hiệp Nam",
              "Thanh Bình", "Chính Gián", "Phước Ninh", "Nại Hiên Đông", "Mân Thái"]

#: ticket type → (share of tickets in %, subjects). Common syllables are very common.
SUBJECTS = {
    "outage": (35, ["Mất điện", "Báo mất điện khu vực", "Mất điện từ sáng chưa có lại",
                    "Mất điện cả xóm", "Điện chập chờn, lúc có lúc mất",
                    "Sự cố mất điện sau mưa bão", "Cháy nổ trạm biến áp gần nhà",
                    "Dây điện bị đứt trước nhà", "Mất điện một pha", "Điện yếu, điện áp thấp"]),
    "inquiry": (25, ["Hỏi hóa đơn tiền điện", "Tra cứu lịch cắt điện", "Hỏi giá điện bậc thang",
                     "Hỏi lịch ghi chỉ số công tơ", "Tra cứu tiến độ yêu cầu",
                     "Hỏi cách thanh toán hóa đơn tiền điện qua Zalo"]),
    "new_connection": (10, ["Đề nghị cấp điện mới", "Cấp điện mới sinh hoạt",
                            "Đăng ký lắp đặt công tơ mới", "Cấp điện mới cho nhà xưởng",
                            "Hỏi thủ tục cấp điện mới"]),
    "meter_inspection": (10, ["Kiểm tra công tơ", "Công tơ chạy nhanh bất thường",
                              "Đề nghị kiểm định công tơ", "Chỉ số công tơ tăng bất thường",
                              "Công tơ bị hỏng, không quay"]),
    "contract_change": (10, ["Thay đổi chủ thể hợp đồng mua bán điện",
                             "Gia hạn hợp đồng mua bán điện", "Thay đổi mục đích sử dụng điện",
                             "Đăng ký thêm hộ dùng chung công tơ",
                             "Chấm dứt hợp đồng mua bán điện"]),
    "complaint": (10, ["Khiếu nại hóa đơn tiền điện tăng cao", "Khiếu nại thái độ nhân viên",
                       "Phản ánh mất điện kéo dài", "Khiếu nại chậm cấp điện mới",
                       "Phản ánh ghi sai chỉ số công tơ"]),
}
SUBTYPES = {"new_connection": ["low_voltage", "medium_voltage"],
            "meter_inspection": ["check", "calibration"],
            "contract_change": ["change_owner", "renew", "terminate", "change_purpose",
                                "change_households"]}
FRAGMENTS = ["Khách hàng gọi tổng đài 1900 1909 báo.", "Đề nghị Điện lực kiểm tra và xử lý sớm.",
             "Đã hướng dẫn khách hàng liên hệ lại khi cần.",
             "Khách hàng cung cấp mã khách hàng và số điện thoại.",
             "Tiền điện tháng này cao gấp đôi tháng trước.",
             "Gia đình có người già và trẻ nhỏ, đề nghị ưu tiên.",
             "Trời nắng nóng, mất điện ảnh hưởng sinh hoạt.",
             "Khách hàng đã thanh toán hóa đơn nhưng chưa được cập nhật.",
             "Nhân viên ghi chỉ số chưa đến đúng lịch.", "Cần hỗ trợ gấp trong hôm nay.",
             "Khách hàng đề nghị nhắn tin qua Zalo khi có kết quả.",
             "Khu vực này thường xuyên mất điện vào buổi tối."]
#: about 1 ticket in 100 carries one of these: the "rare terms" searches
RARE_FRAGMENTS = ["Dây điện xuyên qua vườn cây, chập chờn khi có gió.",
                  "Thiết bị đóng cắt bị chập, có mùi khét.",
                  "Cột điện nghiêng sau khi xe tải va quệt."]
MESSAGES_IN = ["Nhà tôi mất điện từ 7 giờ sáng, khi nào có điện lại?",
               "Cho tôi hỏi tiến độ xử lý yêu cầu của tôi.", "Công tơ nhà tôi quay rất nhanh.",
               "Hóa đơn tháng này sao cao vậy?", "Cảm ơn Điện lực đã hỗ trợ.",
               "Đến giờ vẫn chưa có điện, đề nghị kiểm tra lại."]
MESSAGES_OUT = ["Điện lực đã tiếp nhận yêu cầu của quý khách.",
                "Nhân viên Điện lực sẽ đến kiểm tra trong hôm nay.",
                "Điện đã được khôi phục, xin cảm ơn quý khách.",
                "Quý khách vui lòng cung cấp mã khách hàng để tra cứu."]

#: mobile prefixes the dataset's customers use; +8439… is kept free for "unknown" senders.
PHONE_PREFIXES = ["90", "93", "92", "70", "76", "77", "78", "79", "91", "94", "88", "81", "82",
                  "83", "84", "85", "96", "97", "98", "86", "32", "33", "34", "35", "36", "37",
                  "38", "56", "58", "59"]
UNKNOWN_PREFIX = "39"
WARDS_PER_DISTRICT = 15


def phone_of(customer_id: int) -> str:
    """The E.164 phone `dataset.py` gives customer `customer_id` (a bijection, so unique)."""
    prefix = PHONE_PREFIXES[customer_id % len(PHONE_PREFIXES)]
    number = (customer_id // len(PHONE_PREFIXES) * 7919 + 1234567) % 10_000_000
    return f"+84{prefix}{number:07d}"


def zalo_of(customer_id: int) -> str:
    """The Zalo user id of a customer that has one (every fifth customer)."""
    return f"66{customer_id:017d}"


def district_code(district_id: int) -> str:
    """PC05AA, PC05AB, … for districts 1, 2, …"""
    n = district_id - 1
    return "PC05" + chr(65 + n // 26) + chr(65 + n % 26)


def sql_array(words: list[str]) -> str:
    """A PostgreSQL text[] literal (the words never contain a quote)."""
    assert not any("'" in w for w in words)
    return "ARRAY[" + ",".join(f"'{w}'" for w in words) + "]::text[]"
