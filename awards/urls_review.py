from django.urls import path

from awards import views_review as views
from awards import views_review_certificates as certificates

app_name = "review"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("applications/<int:pk>/", views.application_detail, name="application"),
    path("applications/<int:pk>/assign/", views.assign, name="assign"),
    path("applications/<int:pk>/notice/extend/", views.notice_extend, name="notice_extend"),
    path("applications/<int:pk>/letter/", views.decision_letter, name="letter"),
    path("applications/<int:pk>/attachments/<int:attachment_pk>/", views.attachment_download, name="attachment"),
    # pass_prereview, request_info, close_review, open_notice, reject, grant (views_review.ACTIONS)
    path("applications/<int:pk>/<slug:action>/", views.application_action, name="action"),
    path("assignments/<int:pk>/declare/", views.declare, name="declare"),
    path("assignments/<int:pk>/review/", views.review_form, name="review_form"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
    path("certificates/", certificates.certificate_list, name="certificates"),
    path("certificates/<str:number>/", certificates.certificate_detail, name="certificate"),
    path("certificates/<str:number>/files/<int:version>/", certificates.certificate_file, name="certificate_file"),
    # suspend, reinstate, revoke, cancel, reissue (views_review_certificates.ACTIONS)
    path("certificates/<str:number>/<slug:action>/", certificates.certificate_action, name="certificate_action"),
]
