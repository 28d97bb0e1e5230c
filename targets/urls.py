from django.urls import path

from targets import views, views_progress

app_name = "targets"
urlpatterns = [
    path("", views.home, name="home"),
    path("progress/", views_progress.progress, name="progress"),
    path("progress/plans/<slug:plan>/targets/<str:code>/", views_progress.target_detail, name="target"),
    path("progress/leagues/", views_progress.leagues, name="leagues"),
    path("progress/leagues/<str:code>/", views_progress.league_detail, name="league"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
]
