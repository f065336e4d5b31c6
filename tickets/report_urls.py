"""Report pages, included under /reports/ (namespace "reports")."""

from django.urls import path

from tickets.views import reports

app_name = "reports"

urlpatterns = [
    path("", reports.overview, name="overview"),
    path("sla/", reports.sla_compliance, name="sla"),
    path("sla/my/", reports.my_sla, name="my_sla"),
    path("times/", reports.times, name="times"),
    path("ageing/", reports.ageing, name="ageing"),
    path("engineers/", reports.engineers, name="engineers"),
    path("closure/", reports.closure, name="closure"),
    path("satisfaction/", reports.satisfaction, name="satisfaction"),
]
