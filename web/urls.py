from django.urls import path

from accounts.signin import SignInView, SignOutView
from web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
    path("healthz", views.healthz, name="healthz"),
]
