"""Static material of the demo tickets: what customers ask, on which channels, and what
agents and districts answer.

Plain data only; `crm.seed.plan` and `crm.seed.tickets` draw from it.
"""
from __future__ import annotations

from typing import NamedTuple


class Scenario(NamedTuple):
    type: str
    subtype: str | None
    subject: str
    text: str                      #: the customer's own words
    result: str                    #: kết quả when resolved
    channels: tuple[str, ...] = ()  #: overrides TYPE_CHANNELS


SCENARIOS = (
    Scenario("new_connection", "low_voltage", "Xin cấp điện mới cho nhà ở",
             "Nhà tôi mới xây xong, cần lắp công tơ 1 pha để dùng điện sinh hoạt. Nhờ Điện lực "
             "hướng dẫn thủ tục và thời gian cấp điện.",
             "Đã khảo sát, ký hợp đồng, lắp công tơ 1 pha và đóng điện cho khách hàng."),
    Scenario("new_connection", "low_voltage", "Đăng ký cấp điện cho nhà trọ",
             "Tôi xây dãy 6 phòng trọ, muốn đăng ký cấp điện riêng và định mức cho người thuê.",
             "Đã lắp công tơ và đóng điện; hướng dẫn khách đăng ký định mức theo số người thuê."),
    Scenario("new_connection", "low_voltage", "Cấp điện cho quán cà phê",
             "Tôi mở quán cà phê trên mặt bằng thuê, cần cấp điện 3 pha, công suất khoảng 15 kW.",
             "Đã lắp công tơ 3 pha, ký hợp đồng giá kinh doanh và đóng điện."),
    Scenario("new_connection", "medium_voltage", "Đăng ký cấp điện trung áp cho xưởng",
             "Công ty chúng tôi xây xưởng may, công suất dự kiến 400 kVA. Đề nghị Điện lực thỏa "
             "thuận đấu nối và cấp điện trung áp.",
             "Đã thỏa thuận đấu nối, nghiệm thu trạm biến áp 400 kVA và đóng điện.",
             ("email", "counter", "web")),
    Scenario("new_connection", "medium_voltage", "Thỏa thuận đấu nối trạm 250 kVA cho khách sạn",
             "Khách sạn đang hoàn thiện, xin thỏa thuận đấu nối trạm biến áp 250 kVA.",
             "Đã cấp văn bản thỏa thuận đấu nối, hẹn nghiệm thu trạm.", ("email", "counter")),
    Scenario("contract_change", "change_owner", "Đổi tên chủ hợp đồng mua bán điện",
             "Tôi mới mua lại căn nhà, muốn sang tên hợp đồng điện qua tên tôi. Cần giấy tờ gì?",
             "Đã ký hợp đồng mới đứng tên chủ nhà mới, chốt chỉ số công tơ khi chuyển."),
    Scenario("contract_change", "change_owner", "Sang tên hợp đồng điện do thừa kế",
             "Bố tôi đã mất, gia đình đề nghị chuyển hợp đồng điện sang tên tôi.",
             "Đã chuyển hợp đồng sang tên người thừa kế theo giấy tờ đã nộp."),
    Scenario("contract_change", "renew", "Gia hạn hợp đồng mua bán điện",
             "Hợp đồng điện nhà tôi hết hạn cuối tháng này, xin gia hạn thêm.",
             "Đã gia hạn hợp đồng thêm 5 năm."),
    Scenario("contract_change", "terminate", "Chấm dứt hợp đồng mua bán điện",
             "Gia đình chuyển vào TP. Hồ Chí Minh sinh sống, đề nghị thanh lý hợp đồng và tháo "
             "công tơ.", "Đã chốt chỉ số, thu hồi công tơ và thanh lý hợp đồng."),
    Scenario("contract_change", "change_purpose", "Đổi mục đích sử dụng điện sang kinh doanh",
             "Tôi mở tiệm tạp hóa ở tầng trệt, xin tách giá điện kinh doanh cho phần cửa hàng.",
             "Đã ký phụ lục áp giá kinh doanh theo tỷ lệ sử dụng."),
    Scenario("contract_change", "change_purpose", "Chuyển giá điện kinh doanh về sinh hoạt",
             "Quán đã đóng cửa từ tháng trước, đề nghị áp lại giá điện sinh hoạt.",
             "Đã kiểm tra thực tế và chuyển về giá sinh hoạt từ kỳ hóa đơn sau."),
    Scenario("contract_change", "change_households", "Đăng ký thêm hộ dùng chung công tơ",
             "Nhà có hai gia đình ở chung, con trai đã tách hộ khẩu. Xin tính định mức 2 hộ.",
             "Đã cập nhật số hộ dùng chung công tơ là 2 từ kỳ sau."),
    Scenario("contract_change", "change_households", "Cấp định mức cho người thuê trọ",
             "Nhà tôi có 8 sinh viên thuê trọ có đăng ký tạm trú, xin cấp định mức theo người.",
             "Đã cấp định mức cho 2 hộ theo giấy xác nhận tạm trú, hạn 12 tháng."),
    Scenario("meter_inspection", "check", "Công tơ chạy nhanh bất thường",
             "Nhà đi vắng cả tuần mà công tơ vẫn nhảy số, đề nghị Điện lực kiểm tra.",
             "Đã kiểm tra tại chỗ: công tơ hoạt động bình thường, rò điện do bình nóng lạnh hỏng."),
    Scenario("meter_inspection", "check", "Màn hình công tơ không hiển thị",
             "Màn hình công tơ nhà tôi tắt hẳn từ hôm qua, không đọc được chỉ số.",
             "Đã thay công tơ mới, biên bản treo tháo có chữ ký khách hàng."),
    Scenario("meter_inspection", "calibration", "Đề nghị kiểm định lại công tơ",
             "Tôi nghi công tơ sai số, đề nghị kiểm định tại phòng thí nghiệm. Chi phí thế nào?",
             "Đã kiểm định: sai số trong giới hạn cho phép, khách hàng không mất phí."),
    Scenario("meter_inspection", "calibration", "Kiểm định công tơ 3 pha của xưởng",
             "Xưởng cơ khí đề nghị kiểm định công tơ 3 pha do sản lượng cao hơn dự tính.",
             "Đã kiểm định, công tơ đạt cấp chính xác; gửi kết quả cho khách hàng."),
    Scenario("meter_inspection", "abnormal_consumption", "Hóa đơn tăng bất thường",
             "Tháng này tiền điện gần gấp đôi tháng trước dù gia đình sử dụng như bình thường.",
             "Đã phúc tra chỉ số: chỉ số đúng, sản lượng tăng do điều hòa chạy nhiều ngày "
             "nắng nóng."),
    Scenario("meter_inspection", "abnormal_consumption",
             "Sản lượng tăng trên 30% so với tháng trước",
             "Hệ thống ghi chỉ số phát hiện sản lượng tháng này tăng hơn 30% so với tháng trước.",
             "Đã phúc tra chỉ số và thông báo cho khách hàng.", ("system",)),
    Scenario("outage", None, "Mất điện cả khu phố",
             "Khu vực tổ dân phố chỗ tôi mất điện từ chiều, không thấy thông báo cắt điện.",
             "Đã khắc phục sự cố nhảy máy cắt, cấp điện trở lại."),
    Scenario("outage", None, "Dây điện bị đứt sau giông",
             "Cây đổ làm đứt dây hạ thế trước nhà, đề nghị xử lý gấp vì rất nguy hiểm.",
             "Đã cô lập điểm sự cố, thay dây và cấp điện lại an toàn."),
    Scenario("outage", None, "Nhà mất điện, hàng xóm vẫn có điện",
             "Nhà tôi mất điện từ sáng, các nhà xung quanh vẫn có điện bình thường.",
             "Đã thay dây sau công tơ bị cháy đầu cốt, cấp điện lại."),
    Scenario("outage", None, "Điện chập chờn, lúc có lúc mất",
             "Điện nhà tôi chập chờn cả buổi tối, đèn nhấp nháy, sợ hỏng thiết bị.",
             "Đã xiết lại mối nối lỏng tại hộp công tơ, điện ổn định."),
    Scenario("outage", None, "Cháy aptomat ở cột điện",
             "Aptomat trên cột điện đầu hẻm bốc khói rồi mất điện cả hẻm.",
             "Đã thay aptomat tổng tại cột, cấp điện trở lại."),
    Scenario("inquiry", None, "Hỏi lịch cắt điện tuần tới",
             "Cho hỏi tuần tới khu vực nhà tôi có lịch cắt điện không?",
             "Đã thông báo lịch ngừng cung cấp điện theo kế hoạch của khu vực."),
    Scenario("inquiry", None, "Hỏi ngày ghi chỉ số công tơ",
             "Hàng tháng ngày nào nhân viên ghi chỉ số công tơ nhà tôi?",
             "Đã thông báo ngày ghi chỉ số hằng tháng của khách hàng."),
    Scenario("inquiry", None, "Hỏi giá điện sinh hoạt bậc thang",
             "Cho tôi hỏi giá điện sinh hoạt các bậc hiện nay là bao nhiêu?",
             "Đã giải thích biểu giá bán lẻ điện sinh hoạt theo bậc thang."),
    Scenario("inquiry", None, "Tra cứu tình trạng phiếu yêu cầu",
             "Tôi đã đăng ký cấp điện tuần trước, giờ hồ sơ đến đâu rồi?",
             "Đã thông báo tình trạng hồ sơ và thời gian dự kiến hoàn thành."),
    Scenario("inquiry", None, "Đăng ký nhận thông báo tiền điện qua Zalo",
             "Tôi muốn nhận thông báo tiền điện qua Zalo thay cho tin nhắn SMS.",
             "Đã hướng dẫn quan tâm Zalo OA và đăng ký nhận thông báo."),
    Scenario("complaint", None, "Khiếu nại nhân viên ghi chỉ số không đến",
             "Hai tháng nay không thấy nhân viên đến ghi chỉ số mà hóa đơn vẫn tính tiền.",
             "Đã xác minh, chấn chỉnh nhân viên ghi chỉ số và điều chỉnh hóa đơn."),
    Scenario("complaint", None, "Khiếu nại thời gian xử lý mất điện quá lâu",
             "Mất điện hơn 6 tiếng mà gọi tổng đài mãi không có người xuống xử lý.",
             "Đã giải trình nguyên nhân sự cố, xin lỗi khách hàng và rút kinh nghiệm điều độ."),
    Scenario("complaint", None, "Khiếu nại cắt điện không báo trước",
             "Sáng nay cắt điện mà không có thông báo, cửa hàng tôi bị thiệt hại.",
             "Đã giải thích đây là sự cố đột xuất, hướng dẫn đăng ký nhận thông báo qua Zalo."),
)

#: The channels each ticket type plausibly arrives on (repeats weight the draw).
TYPE_CHANNELS = {
    "outage": ("hotline", "hotline", "hotline", "zalo", "sms", "telegram", "web"),
    "inquiry": ("hotline", "hotline", "zalo", "telegram", "sms", "email", "web"),
    "new_connection": ("counter", "counter", "web", "hotline", "zalo", "email"),
    "contract_change": ("counter", "counter", "web", "email", "zalo", "hotline"),
    "meter_inspection": ("hotline", "zalo", "email", "sms", "counter", "web"),
    "complaint": ("email", "hotline", "zalo", "web", "counter"),
}
TYPE_WEIGHTS = {"outage": 30, "inquiry": 22, "meter_inspection": 14, "contract_change": 14,
                "new_connection": 12, "complaint": 8}
#: The canned reply an agent answers each type with first.
FIRST_REPLY = {"outage": "/matdien", "new_connection": "/capdien", "contract_change": "/chuyendl",
               "meter_inspection": "/kiemtra", "inquiry": "/chao", "complaint": "/chuyendl"}
ABNORMAL_WARNING = ("EVNCPC: Sản lượng điện tháng này của khách hàng {customer} tăng trên 30% so "
                    "với tháng trước. Điện lực sẽ phúc tra chỉ số công tơ (phiếu {code}).")
CONFIRMATION = ("EVNCPC: Yêu cầu của Quý khách đã được tiếp nhận, mã phiếu {code}. "
                "Tra cứu tại Zalo OA hoặc gọi 1900 1909.")
RESOLVED = "EVNCPC: Phiếu {code} đã được giải quyết. {result} Cảm ơn Quý khách."
FOLLOW_UPS = {
    "outage": ("Khoảng mấy giờ thì có điện lại vậy?", "Đã có điện lại rồi, cảm ơn Điện lực.",
               "Vẫn chưa có điện, nhờ kiểm tra lại giúp."),
    "default": ("Khi nào thì có nhân viên xuống làm việc vậy?", "Tôi đã gửi bổ sung giấy tờ rồi.",
                "Cảm ơn em, tôi chờ phản hồi.", "Phiếu {code} giờ xử lý đến đâu rồi?"),
}
NOTES = {
    "outage": ("Tổ thao tác lưu động đã xuất phát.", "Sự cố do giông sét, nhảy recloser nhánh rẽ.",
               "Đã báo điều độ, chờ cô lập phân đoạn."),
    "new_connection": ("Đã hẹn khảo sát hiện trường.", "Hồ sơ thiếu giấy tờ đất, đã nhắn khách.",
                       "Vật tư công tơ đã sẵn sàng."),
    "contract_change": ("Đã đối chiếu CCCD và hợp đồng cũ.", "Chờ khách ký phụ lục hợp đồng."),
    "meter_inspection": ("Chỉ số kỳ này tăng so với cùng kỳ, cần phúc tra.",
                         "Đã hẹn khách 8h sáng mai kiểm tra công tơ."),
    "inquiry": ("Khách hỏi thêm về thanh toán qua ngân hàng.",),
    "complaint": ("Đã báo trưởng phòng Kinh doanh.", "Cần giải trình trong 3 ngày làm việc."),
}
ASK_CUSTOMER_CODE = ("Chào Quý khách, Trung tâm Chăm sóc khách hàng đã nhận được tin nhắn. Quý "
                     "khách vui lòng cho biết mã khách hàng (in trên hóa đơn tiền điện) để được "
                     "hỗ trợ nhanh hơn.")
STRANGER_NOTE = "Người gửi chưa có trong danh sách khách hàng, cần xin mã khách hàng để liên kết."
#: Senders who are not customers yet: (channel, address or None for a drawn phone, name, text).
UNKNOWN_SENDERS = (
    ("sms", None, None, "Cho hỏi số điện thoại Điện lực Sơn Trà là bao nhiêu?"),
    ("zalo", "6120489713559084217", "Minh Thư", "Chào Điện lực, tôi muốn đăng ký cấp điện cho "
     "nhà mới mua ở Hòa Khánh."),
    ("telegram", "5823019466", "Hoang Nam", "Khu Đa Phước đang mất điện, có lịch cắt không ạ?"),
    ("email", "tranthikimoanh@example.net", "Trần Thị Kim Oanh", "Tôi muốn hỏi thủ tục sang tên "
     "hợp đồng điện cho căn hộ mới mua."),
)

#: The complaint a storm reporter makes the next morning, linked to their outage report.
LINKED_COMPLAINT = "Khiếu nại thời gian xử lý mất điện quá lâu"
LINK_NOTE = "Khách hàng khiếu nại về phiếu báo mất điện trong đợt giông sét hôm qua."
#: Why the same request came twice (the merge's reason), by the duplicate's channel.
MERGE_REASON = "Khách hàng gửi lại cùng yêu cầu qua {channel}, đã có phiếu đang xử lý."
#: The cause (workflows.outage.CAUSES) and a crew's note, by outage subject.
OUTAGE_CAUSES = {"Mất điện cả khu phố": "grid_fault", "Dây điện bị đứt sau giông": "weather",
                 "Nhà mất điện, hàng xóm vẫn có điện": "customer_side",
                 "Điện chập chờn, lúc có lúc mất": "grid_fault",
                 "Cháy aptomat ở cột điện": "overload"}
CREW = "Tổ thao tác lưu động số {n}"
STORM_CAUSE = "Giông sét làm cây đổ vào đường dây trung thế, nhảy máy cắt đầu xuất tuyến."
STORM_NOTE = "Đã phát quang, thay 2 khoảng cột dây hạ thế bị đứt."
MORNING_CAUSE = "Sự cố cáp ngầm trung thế, đã cô lập phân đoạn và chuyển tải."
#: When power in the ongoing incident's area should be back (admins' estimate).
EXPECTED_RESTORE_MINUTES = 90
SUSPENSION_NOTICE = ("Do ảnh hưởng của giông sét, từ {start} Điện lực tạm dừng khảo sát, lắp "
                     "đặt công tơ và kiểm tra công tơ tại nhà khách hàng để tập trung khắc phục "
                     "sự cố lưới điện. Báo mất điện vẫn được tiếp nhận 24/7 qua tổng đài 1900 "
                     "1909.")
#: Survey notes and the transformer size of medium-voltage requests, by subject.
SURVEY_NOTES = ("Đủ hành lang an toàn, cách trụ điện gần nhất khoảng 30 m.",
                "Cần kéo thêm 2 khoảng cột hạ thế.", "Vị trí treo công tơ thuận lợi.")
TRANSFORMER_KVA = {"Đăng ký cấp điện trung áp cho xưởng": 400,
                   "Thỏa thuận đấu nối trạm 250 kVA cho khách sạn": 250}
#: Nhật ký liên hệ: what district staff write after calling the customer.
CONTACT_NOTES = {"no_answer": ("Gọi 2 lần không nghe máy.", "Thuê bao không liên lạc được."),
                 "busy": ("Máy bận, sẽ gọi lại sau.",),
                 "reached": ("Đã trao đổi với khách hàng, khách đồng ý phương án xử lý.",
                             "Khách hàng xác nhận thông tin, hẹn gửi bổ sung giấy tờ."),
                 "appointment": ("Khách hàng hẹn nhân viên đến vào buổi sáng.",)}
#: The papers a customer brings to the counter, when the request waited for them.
PAPERS_AT_COUNTER = "Khách hàng đã bổ sung hồ sơ tại quầy giao dịch."
PAPERS_SENT = ("Tôi đã gửi bản chụp CCCD và giấy tờ nhà, nhờ Điện lực kiểm tra giúp.",
               "Giấy tờ tôi gửi kèm đây ạ, phiếu {code}.")
