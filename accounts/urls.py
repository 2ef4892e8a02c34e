from django.urls import path

from accounts import signin, views, views_tokens, views_two_factor

app_name = "accounts"
urlpatterns = [
    path("sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("two-factor/", views_two_factor.overview, name="two_factor"),
    path("two-factor/set-up/", views_two_factor.set_up, name="two_factor_setup"),
    path("two-factor/code/", signin.code, name="two_factor_code"),
    path("two-factor/recovery-codes/", views_two_factor.recovery_codes, name="recovery_codes"),
    path("two-factor/turn-off/", views_two_factor.turn_off_view, name="two_factor_off"),
    path("tokens/", views_tokens.tokens, name="tokens"),
    path("tokens/everyone/", views_tokens.all_tokens, name="all_tokens"),
    path("tokens/<int:token_id>/revoke/", views_tokens.revoke, name="revoke_token"),
]
