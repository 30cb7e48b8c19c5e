"""Static material of the demo set: organisation, staff, canned replies, Vietnamese names and
addresses.

Plain data only; the `crm.seed` modules draw from it with a seeded random generator.
"""
from __future__ import annotations

from typing import NamedTuple

PROVINCE = "Thành phố Đà Nẵng"
COMPANY = {"code": "PC05", "name": "Công ty TNHH MTV Điện lực Đà Nẵng", "hotline": "19001909"}


class WardSpec(NamedTuple):
    name: str
    area: str                      #: urban | rural
    places: tuple[str, ...]        #: streets (urban) or villages, thôn (rural)


class DistrictSpec(NamedTuple):
    code: str
    name: str
    address: str
    phone: str                     #: landline, E.164
    wards: tuple[WardSpec, ...]


DISTRICTS = (
    DistrictSpec("PC05AA", "Điện lực Hải Châu", "35 Phan Đình Phùng, phường Hải Châu, TP. Đà Nẵng",
                 "+842363821150", (
        WardSpec("Phường Hải Châu", "urban", ("Bạch Đằng", "Trần Phú", "Lê Lợi",
                                              "Phan Châu Trinh", "Yên Bái", "Hùng Vương")),
        WardSpec("Phường Hòa Cường", "urban", ("Núi Thành", "2 Tháng 9", "Xô Viết Nghệ Tĩnh",
                                               "Lê Thanh Nghị", "Trưng Nữ Vương")),
        WardSpec("Phường Thanh Khê", "urban", ("Điện Biên Phủ", "Hà Huy Tập", "Lê Duẩn",
                                               "Trần Cao Vân", "Hải Phòng")),
        WardSpec("Phường An Khê", "urban", ("Trường Chinh", "Nguyễn Tri Phương", "Hàm Nghi",
                                            "Phan Thanh")),
        WardSpec("Phường Cẩm Lệ", "urban", ("Cách Mạng Tháng 8", "Ông Ích Đường", "Trường Sơn",
                                            "Tôn Đản")),
        WardSpec("Xã Hòa Tiến", "rural", ("Lệ Sơn Nam", "Yến Nê", "Cẩm Nê", "Dương Sơn")),
    )),
    DistrictSpec("PC05BB", "Điện lực Sơn Trà", "2 Ngô Quyền, phường Sơn Trà, TP. Đà Nẵng",
                 "+842363933125", (
        WardSpec("Phường Sơn Trà", "urban", ("Ngô Quyền", "Lê Văn Duyệt", "Yết Kiêu", "Vân Đồn",
                                             "Phạm Văn Đồng")),
        WardSpec("Phường An Hải", "urban", ("Hồ Nghinh", "Võ Văn Kiệt", "Ngô Thì Sĩ", "Hà Bổng")),
        WardSpec("Phường Ngũ Hành Sơn", "urban", ("Lê Văn Hiến", "Trần Đại Nghĩa",
                                                  "Võ Nguyên Giáp", "Huyền Trân Công Chúa")),
        WardSpec("Phường Hòa Khánh", "urban", ("Tôn Đức Thắng", "Nguyễn Lương Bằng", "Âu Cơ",
                                               "Hồ Tùng Mậu")),
        WardSpec("Phường Liên Chiểu", "urban", ("Nguyễn Sinh Sắc", "Nguyễn Tất Thành",
                                                "Hoàng Thị Loan", "Kinh Dương Vương")),
        WardSpec("Phường Hải Vân", "urban", ("Nguyễn Văn Cừ", "Hoàng Văn Thái", "Quang Thành")),
        WardSpec("Xã Bà Nà", "rural", ("Phú Túc", "Tà Lang", "Giàn Bí", "An Sơn")),
    )),
    DistrictSpec("PC05CC", "Điện lực Đại Lộc", "Quốc lộ 14B, xã Đại Lộc, TP. Đà Nẵng",
                 "+842353865207", (
        WardSpec("Phường Điện Bàn", "urban", ("Trần Nhân Tông", "Mẹ Thứ", "Hùng Vương",
                                              "Phạm Phú Thứ")),
        WardSpec("Xã Đại Lộc", "rural", ("Phú Hòa", "Mỹ Hảo", "Quảng Huế", "Phú Lộc")),
        WardSpec("Xã Hà Nha", "rural", ("Hà Nha", "Tân Hiệp", "Phú Phong")),
        WardSpec("Xã Thượng Đức", "rural", ("Tà Vạc", "Đại Đồng", "Ba Khe")),
        WardSpec("Xã Vu Gia", "rural", ("Phú Nham Đông", "Hòa Đông", "Bàu Tròn")),
        WardSpec("Xã Phú Thuận", "rural", ("Đông Phú", "An Lâm", "Thạnh Phú")),
    )),
    DistrictSpec("PC05DD", "Điện lực Nam Giang", "Quốc lộ 14D, xã Thạnh Mỹ, TP. Đà Nẵng",
                 "+842353858118", (
        WardSpec("Xã Thạnh Mỹ", "rural", ("Thạnh Mỹ", "Đồng Râm", "Pà Dồn", "Hoa")),
        WardSpec("Xã Nam Giang", "rural", ("Pà Rồng", "Đắc Ốc", "Công Dồn")),
        WardSpec("Xã Bến Giằng", "rural", ("Bến Giằng", "Pà Dâm", "Ra Pát")),
        WardSpec("Xã La Dêê", "rural", ("Đắc Ôn", "Đắc Rế", "Pa Păng")),
        WardSpec("Xã Đắc Pring", "rural", ("Đắc Pring", "Đắc Nông", "Pêtapoo")),
        WardSpec("Xã Đông Giang", "rural", ("A Xờ", "Bhơ Hôồng", "Tu Ngung")),
    )),
)

#: Family names with their share (%) among Vietnamese, Nguyễn first (~38 %).
FAMILY_NAMES = (
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 4), ("Hoàng", 2),
    ("Phan", 4), ("Võ", 4), ("Vũ", 1), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2),
    ("Ngô", 2), ("Dương", 1), ("Lý", 1), ("Trương", 2), ("Đoàn", 1), ("Mai", 1), ("Đinh", 1),
    ("Lương", 1), ("Tôn", 1),
)
#: Cơ Tu family names, common in the mountain communes of Nam Giang and Đông Giang.
HIGHLAND_FAMILY_NAMES = ("A Lăng", "Bríu", "Zơ Râm", "Bhling", "Pơ Loong", "Coor", "Hiên")
MIDDLE_NAMES = {"m": ("Văn", "Văn", "Văn", "Hữu", "Minh", "Đức", "Quang", "Công", "Thanh",
                      "Xuân", "Ngọc"),
                "f": ("Thị", "Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ",
                      "Phương", "Minh")}
SECOND_MIDDLE = {"m": ("Anh", "Minh", "Quốc", "Tấn"), "f": ("Thu", "Ngọc", "Kim", "Mỹ")}
GIVEN_NAMES = {
    "m": ("An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Hiếu", "Huy", "Khánh", "Long", "Nam",
          "Phong", "Phúc", "Quân", "Sơn", "Tài", "Thắng", "Trung", "Tuấn", "Việt", "Vinh",
          "Lâm", "Đạt", "Tâm", "Hòa", "Lộc", "Thành", "Tín", "Bảo", "Khoa", "Nhân", "Thịnh"),
    "f": ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Loan",
          "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phượng", "Quyên", "Thảo", "Thủy",
          "Trang", "Trinh", "Tuyết", "Vân", "Yến", "Hằng", "Hiền", "Nhi", "Diệu", "Sương"),
}
#: Mobile prefixes in use since the 2018 renumbering (Viettel, MobiFone, VinaPhone).
MOBILE_PREFIXES = ("032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077",
                   "078", "079", "081", "082", "083", "084", "085", "086", "088", "090", "091",
                   "093", "094", "096", "097", "098")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
METER_MODELS = (("EMEC 1 pha", 1), ("Vinasino VSE11", 1), ("Gelex EMIC CE-18", 1),
                ("Hữu Hồng DDS26", 1), ("Landis+Gyr E350", 3), ("Elster A1700", 3))
#: Relative consumption per calendar month: central Vietnam's hot season peaks in June–July.
SEASON = {1: 0.85, 2: 0.8, 3: 0.9, 4: 1.05, 5: 1.2, 6: 1.3, 7: 1.3, 8: 1.2, 9: 1.05, 10: 0.95,
          11: 0.9, 12: 0.88}
CUSTOMER_NOTES = ("Người cao tuổi sống một mình, ưu tiên gọi điện trước khi đến.",
                  "Nhà có người dùng máy thở, báo trước khi cắt điện.",
                  "Thường vắng nhà ban ngày, hẹn sau 17h.",
                  "Hộ kinh doanh homestay, cần thông báo lịch cắt điện sớm.")

class UserSpec(NamedTuple):
    username: str
    full_name: str
    role: str
    district: str | None = None    #: district office code
    email: str | None = None
    is_district_head: bool = False  #: trưởng Điện lực: told of every SLA breach
    capacity: int = 20             #: open tickets at most (assignment by load)


USERS = (
    UserSpec("admin", "Trần Quốc Bảo", "admin", email="admin@cskh.example.com"),
    UserSpec("giamsat", "Nguyễn Thị Thanh Hương", "supervisor", email="giamsat@cskh.example.com"),
    UserSpec("tongdai1", "Lê Thị Mỹ Linh", "agent"),
    UserSpec("tongdai2", "Phạm Minh Quân", "agent"),
    UserSpec("dl.pc05aa", "Võ Văn Thành", "district_staff", "PC05AA", is_district_head=True),
    UserSpec("nv1.pc05aa", "Trần Thị Thu Hà", "district_staff", "PC05AA"),
    UserSpec("dl.pc05bb", "Huỳnh Thị Ngọc Ánh", "district_staff", "PC05BB", is_district_head=True,
             capacity=4),
    UserSpec("nv1.pc05bb", "Lê Văn Tâm", "district_staff", "PC05BB", capacity=8),
    UserSpec("dl.pc05cc", "Đặng Công Lộc", "district_staff", "PC05CC", is_district_head=True),
    UserSpec("nv1.pc05cc", "Phan Thị Mỹ Dung", "district_staff", "PC05CC"),
    UserSpec("dl.pc05dd", "A Lăng Văn Thương", "district_staff", "PC05DD", is_district_head=True),
    UserSpec("nv1.pc05dd", "Bríu Văn Quân", "district_staff", "PC05DD"),
)

#: How each pool shares new work (None: the care centre): DESIGN "assignment".
ASSIGNMENT_MODES = {None: "load", "PC05AA": "round_robin", "PC05BB": "load",
                    "PC05CC": "round_robin", "PC05DD": "manual"}
#: The office that served each ward before its move, since this date (the routing history).
WARD_HISTORY_SINCE = (2020, 1, 1)
#: (ward code, office before, office after): moved on 01/07 last year (the 2025 reform)...
WARD_MOVED = ("PC05AA-W06", "PC05CC", "PC05AA")
#: ...and moving on the first day of next month.
WARD_MOVING = ("PC05BB-W07", "PC05BB", "PC05CC")

# Câu trả lời mẫu (canned replies): shortcut, title, body with crm.inbox.canned placeholders.
CANNED_REPLIES = (
    ("/chao", "Lời chào",
     "Kính chào Quý khách {ten_khach_hang}. Em là {ten_nhan_vien}, Trung tâm Chăm sóc khách "
     "hàng điện lực. Em có thể hỗ trợ gì cho Quý khách ạ?"),
    ("/matdien", "Tiếp nhận báo mất điện",
     "Điện lực đã tiếp nhận thông tin mất điện của Quý khách (mã phiếu {ma_phieu}). {dien_luc} "
     "đang cử nhân viên kiểm tra, khắc phục sớm nhất. Mong Quý khách thông cảm."),
    ("/capdien", "Hướng dẫn cấp điện mới",
     "Để cấp điện mới, Quý khách chuẩn bị giấy đề nghị mua điện, CCCD và giấy tờ chứng minh "
     "quyền sử dụng nhà/đất. Thời gian cấp điện hạ áp không quá 3 ngày làm việc ở thành thị, "
     "5 ngày ở nông thôn, miền núi. Mã phiếu của Quý khách: {ma_phieu}."),
    ("/hoadon", "Giải thích hóa đơn tăng",
     "Tiền điện tăng có thể do thời tiết nắng nóng, kỳ hóa đơn nhiều ngày hơn hoặc thiết bị mới. "
     "{dien_luc} sẽ phúc tra chỉ số công tơ của khách hàng {ma_khach_hang} và trả lời Quý "
     "khách trong phiếu {ma_phieu}."),
    ("/camon", "Cảm ơn",
     "Cảm ơn Quý khách {ten_khach_hang} đã liên hệ Trung tâm Chăm sóc khách hàng ngày {ngay}. "
     "Chúc Quý khách một ngày tốt lành!"),
    ("/chuyendl", "Chuyển Điện lực xử lý",
     "Yêu cầu {ma_phieu} đã được chuyển đến {dien_luc}. Nhân viên Điện lực sẽ liên hệ Quý "
     "khách; Quý khách có thể gọi {sdt_dien_luc} để được hỗ trợ thêm."),
    ("/kiemtra", "Hẹn kiểm tra công tơ",
     "{dien_luc} sẽ cử nhân viên đến kiểm tra hệ thống đo đếm của khách hàng {ma_khach_hang}. "
     "Nhân viên sẽ gọi điện hẹn giờ trước khi đến (phiếu {ma_phieu})."),
    ("/bosung", "Đề nghị bổ sung hồ sơ",
     "Để tiếp tục giải quyết yêu cầu {ma_phieu}, đề nghị Quý khách bổ sung bản chụp CCCD và "
     "giấy tờ nhà/đất qua Zalo hoặc email, hoặc mang đến {dien_luc}."),
)
