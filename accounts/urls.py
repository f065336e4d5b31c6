from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import token_views, views
from accounts.forms import EmailAuthenticationForm

app_name = "accounts"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/change/",
        auth_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        views.PasswordResetRequestView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done")
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "invitation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/invitation_accept.html",
            post_reset_login=True,
            post_reset_login_backend="accounts.backends.EmailBackend",
            success_url=reverse_lazy("home"),
        ),
        name="invitation_accept",
    ),
    path("profile/", views.profile, name="profile"),
    path("language/", views.set_language, name="set_language"),
    path("colleagues/", views.colleagues, name="colleagues"),
    path(
        "colleagues/<int:user_id>/deactivate/",
        views.colleague_set_active,
        {"active": False},
        name="colleague_deactivate",
    ),
    path(
        "colleagues/<int:user_id>/activate/",
        views.colleague_set_active,
        {"active": True},
        name="colleague_activate",
    ),
    path("api-tokens/", token_views.api_tokens, name="api_tokens"),
    path(
        "api-tokens/<int:token_id>/revoke/", token_views.api_token_revoke, name="api_token_revoke"
    ),
]
