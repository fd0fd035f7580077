from django.contrib.auth import views as auth_views
from django.urls import path

from clinic.web import (
    amend_views,
    analysis_views,
    capture_views,
    documents,
    episode_views,
    measure_views,
    review_views,
    subject_views,
    validation_views,
    views,
)

P = "patients/<uuid:patient_id>"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="clinic/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.caseload, name="caseload"),
    path("patients/new/", views.patient_new, name="patient-new"),
    path("validation/", validation_views.validation, name="validation"),
    path("validation/latest.<str:fmt>", validation_views.validation_file, name="validation-file"),
    path("patients/discharged/", episode_views.discharged, name="discharged"),
    path("practice/export.zip", documents.practice_archive, name="practice-export"),
    path(f"{P}/", views.patient, name="patient"),
    path(f"{P}/goals/new/", views.goal_new, name="goal-new"),
    path(f"{P}/goals/<uuid:goal_id>/revise/", episode_views.goal_revise, name="goal-revise"),
    path(f"{P}/goals/<uuid:goal_id>/status/", episode_views.goal_status, name="goal-status"),
    path(f"{P}/discharge/", episode_views.discharge, name="patient-discharge"),
    path(f"{P}/visits/new/", views.visit_new, name="visit-new"),
    path(f"{P}/plan-of-care/new/", views.plan_new, name="plan-new"),
    path(f"{P}/plan-of-care/certification/", views.plan_certify, name="plan-certify"),
    path(f"{P}/visits/<uuid:visit_id>/amend/", amend_views.note_amend, name="note-amend"),
    path(f"{P}/visits/<uuid:visit_id>/sign/", views.note_sign, name="note-sign"),
    path(f"{P}/visits/<uuid:visit_id>/", analysis_views.visit, name="visit"),
    path(f"{P}/visits/<uuid:visit_id>/measurements/", measure_views.measurements, name="visit-measurements"),
    path(
        f"{P}/visits/<uuid:visit_id>/questionnaires/<str:code>/",
        measure_views.questionnaire,
        name="visit-questionnaire",
    ),
    path(
        f"{P}/visits/<uuid:visit_id>/analyses/<uuid:analysis_id>/subject/",
        subject_views.rerun,
        name="analysis-subject",
    ),
    path(
        f"{P}/analyses/<uuid:analysis_id>/stills/<str:still_sha256>.jpg",
        subject_views.still,
        name="analysis-still",
    ),
    path(
        f"{P}/visits/<uuid:visit_id>/analyses/<uuid:analysis_id>/values/<int:index>/review/",
        review_views.analysis_value_review,
        name="analysis-value-review",
    ),
    path(f"{P}/reports/<str:kind>.pdf", documents.report, name="patient-report"),
    path(f"{P}/measurements.<str:fmt>", documents.export, name="patient-export"),
    path(f"{P}/fhir.json", documents.fhir_bundle, name="patient-fhir"),
    path(f"{P}/progress/", documents.progress, name="patient-progress"),
    path(f"{P}/playback/", documents.playback_page, name="patient-playback"),
    path(f"{P}/sequences/<str:sha256>.json", documents.sequence_json, name="patient-sequence"),
    path(f"{P}/recordings/<str:sha256>.<str:fmt>", documents.recording_export, name="recording-export"),
    path(f"{P}/capture/", capture_views.capture, name="patient-capture"),
]
