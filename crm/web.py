"""Everything every page shares: template filters, security headers, error pages."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale, gettext as _
from flask_wtf.csrf import CSRFError

from crm import labels
from crm.core import phones, timefmt

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; "
       "object-src 'none'")

ERRORS = {
    400: lambda: _("Yêu cầu không hợp lệ."),
    403: lambda: _("Bạn không có quyền thực hiện thao tác này."),
    404: lambda: _("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu."),
    405: lambda: _("Phương thức không được hỗ trợ."),
    413: lambda: _("Tệp hoặc nội dung gửi lên quá lớn."),
    429: lambda: _("Bạn thao tác quá nhanh. Vui lòng thử lại sau ít phút."),
    500: lambda: _("Hệ thống gặp lỗi. Vui lòng thử lại; nếu vẫn lỗi, báo bộ phận CNTT."),
}


def wants_json() -> bool:
    return request.is_json or request.path.startswith(("/api/", "/channels/")) or \
        request.accept_mimetypes.best == "application/json"


def error_page(code: int, message: str | None = None):
    message = message or ERRORS.get(code, ERRORS[400])()
    if wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=timefmt.fmt_date, datetime=timefmt.fmt_datetime, time=timefmt.fmt_time,
        money=timefmt.fmt_money, iso=timefmt.iso, phone=phones.national)
    app.jinja_env.globals.update(label=labels.label, get_locale=get_locale)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response

    for code in ERRORS:
        app.register_error_handler(code, lambda e, code=code: error_page(code))

    @app.errorhandler(CSRFError)
    def _csrf(_error):
        return error_page(400, _("Phiên làm việc đã hết hạn hoặc thiếu mã bảo vệ (CSRF). "
                                 "Vui lòng tải lại trang và thử lại."))
