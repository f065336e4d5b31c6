from django.contrib import admin
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from proftiket import guides, views
from tickets.console import availability
from tickets.console import home as console_home
from tickets.views import satisfaction

admin.site.site_header = _("ProfTicket: support console")
admin.site.site_title = _("ProfTicket")
admin.site.index_title = _("Support console")
# The queue needs the width more than a second menu: the index and breadcrumbs navigate.
admin.site.enable_nav_sidebar = False
# "View site" leads to the portal's start page, not back into the console.
admin.site.site_url = reverse_lazy("portal")

handler400 = "proftiket.errors.bad_request"
handler403 = "proftiket.errors.permission_denied"
handler404 = "proftiket.errors.page_not_found"
handler500 = "proftiket.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("portal/", views.portal_home, name="portal"),
    path("healthz", views.healthz, name="healthz"),
    # The user guides (docs/), rendered from Markdown; who may read which: proftiket.guides.
    path("help/<str:guide>/", guides.guide_page, name="help"),
    path("account/", include("accounts.urls")),
    path("tickets/", include("tickets.urls")),
    path("reports/", include("tickets.report_urls")),
    # The one-click links of the closing e-mail: signed, no login needed.
    path("rate/<str:token>/<int:score>/", satisfaction.rate_by_link, name="rating"),
    path("api/v1/", include("tickets.api.urls")),
    path("account/webhooks/", include("webhooks.urls")),
    # The console's index is the engineer's home (before the admin's own index at the same URL).
    path("admin/", admin.site.admin_view(console_home.index), name="console_home"),
    path(
        "admin/availability/",
        admin.site.admin_view(availability.toggle),
        name="console_availability",
    ),
    path("admin/", admin.site.urls),
]
