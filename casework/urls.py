from django.urls import path

from casework import partner_views, views

app_name = "casework"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("team/", views.team_cases, name="team_cases"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/conversation/", views.add_conversation, name="add_conversation"),
    path("<uuid:case_id>/goals/", views.add_goal, name="add_goal"),
    path("<uuid:case_id>/goals/<uuid:goal_id>/", views.set_goal_status, name="goal_status"),
    path("<uuid:case_id>/actions/", views.add_action, name="add_action"),
    path(
        "<uuid:case_id>/actions/<uuid:action_id>/done/",
        views.complete_action,
        name="complete_action",
    ),
    path("<uuid:case_id>/plan/agree/", views.agree_plan, name="agree_plan"),
    path("<uuid:case_id>/connections/", views.propose_connection, name="propose_connection"),
    path(
        "<uuid:case_id>/connections/<uuid:connection_id>/",
        views.move_connection,
        name="move_connection",
    ),
    path("<uuid:case_id>/contacts/", views.add_contact, name="add_contact"),
    path("<uuid:case_id>/discharge/", views.discharge, name="discharge"),
    path("<uuid:case_id>/safeguarding/", views.safeguarding, name="safeguarding"),
    path("partner/", partner_views.partner_queue, name="partner_queue"),
    path(
        "partner/<uuid:connection_id>/", partner_views.partner_connection, name="partner_connection"
    ),
]
