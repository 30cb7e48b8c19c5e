"""Incident pages: the list, one incident, restoring it; the incident panel of the ticket page."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm.core.timefmt import LOCAL_TZ
from crm.models import Incident, IncidentStatus, Role, Status
from crm.tickets import services
from tests import factories
from tests.conftest import RequestScopedClient

@pytest.fixture
def web(app, db_session):
    """A logged-out client of an app serving the incident pages, and `login(user)`."""
    app.test_client_class = RequestScopedClient
    client = app.test_client()

    def login(user):
        response = client.post("/login", data={"username": user.username,
                                               "password": factories.PASSWORD})
        assert response.status_code == 302
        return user
    client.login = login
    return client


def outage(customer, **details):
    return services.create_ticket(customer=customer, type="outage", channel="hotline",
                                  subject="Mất điện cả xóm", details=details or None)


@pytest.fixture
def incident(make, db_session):
    """An open incident of two reports in one ward of district A."""
    ward = make.ward(name="Phường Hòa Cường Bắc")
    reports = [outage(make.customer(ward=ward, name=name)) for name in ("Trần Thị Bình",
                                                                         "Lê Văn Cường")]
    return db_session.get(Incident, reports[0].incident_id)


def test_the_list_shows_open_incidents_with_their_report_counts(web, make, incident):
    web.login(make.user(role=Role.AGENT))
    page = web.get("/incidents").get_data(as_text=True)
    assert "Phường Hòa Cường Bắc" in page and "open-incidents" in page


def test_the_incident_page_lists_the_reports_with_customers_and_the_summary(web, make, incident):
    web.login(make.user(role=Role.AGENT))
    response = web.get(f"/incidents/{incident.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Trần Thị Bình" in page and "Lê Văn Cường" in page and "2 phản ánh" in page
    assert "restore-cause" not in page                  # agents read, districts restore


def test_district_staff_get_404_for_another_districts_incident(web, make, incident):
    web.login(make.district_staff(make.district()))
    assert web.get(f"/incidents/{incident.id}").status_code == 404
    assert web.post(f"/incidents/{incident.id}/restore",
                    data={"cause": "Đứt dây"}).status_code == 404
    assert "Phường Hòa Cường Bắc" not in web.get("/incidents").get_data(as_text=True)


def test_district_staff_restore_their_incident_and_every_report_closes(web, make, incident,
                                                                       db_session):
    web.login(make.district_staff(incident.district))
    response = web.post(f"/incidents/{incident.id}/restore", data={"cause": "Sự cố máy biến áp"})
    assert response.status_code == 303
    db_session.refresh(incident)
    assert incident.status == IncidentStatus.RESTORED and incident.cause == "Sự cố máy biến áp"
    statuses = db_session.scalars(sa.select(services.Ticket.status).where(
        services.Ticket.incident_id == incident.id)).all()
    assert statuses == [Status.RESOLVED, Status.RESOLVED]


def test_restoring_without_a_cause_answers_400_and_changes_nothing(web, make, incident,
                                                                   db_session):
    web.login(make.user(role=Role.SUPERVISOR))
    response = web.post(f"/incidents/{incident.id}/restore", data={"cause": " "})
    assert response.status_code == 400
    assert "Cần nhập nguyên nhân sự cố." in response.get_data(as_text=True)
    db_session.refresh(incident)
    assert incident.status == IncidentStatus.OPEN


def test_an_agent_may_not_restore(web, make, incident):
    web.login(make.user(role=Role.AGENT))
    assert web.post(f"/incidents/{incident.id}/restore",
                    data={"cause": "Đứt dây"}).status_code == 403


def test_the_expected_restore_time_is_set_in_vietnam_time(web, make, incident, db_session):
    web.login(make.district_staff(incident.district))
    when = (incident.started_at + timedelta(hours=3)).astimezone(LOCAL_TZ)
    response = web.post(f"/incidents/{incident.id}/expected-restore",
                        data={"expected_restore_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 303
    db_session.refresh(incident)
    assert incident.expected_restore_at == when.replace(second=0, microsecond=0)


@pytest.mark.parametrize("value, message", [
    ("", "Vui lòng nhập thời gian dự kiến có điện lại."),
    ("ngày mai", "Ngày giờ không hợp lệ."),
    ("2000-01-01T08:00", "phải sau lúc bắt đầu sự cố"),
])
def test_a_bad_expected_restore_time_answers_400(web, make, incident, db_session, value, message):
    web.login(make.district_staff(incident.district))
    response = web.post(f"/incidents/{incident.id}/expected-restore",
                        data={"expected_restore_at": value})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    db_session.refresh(incident)
    assert incident.expected_restore_at is None


def test_the_ticket_page_shows_the_incident_of_an_outage_report(web, make, incident,
                                                                db_session):
    ticket = db_session.scalars(sa.select(services.Ticket).where(
        services.Ticket.incident_id == incident.id)).first()
    web.login(make.user(role=Role.AGENT))
    page = web.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "incident-summary" in page and "2 phản ánh" in page
    assert f"/incidents/{incident.id}" in page
