from accounts.permissions import Permission, has_permission


def navigation(request):
    """The header links this user may follow (only those their permissions allow)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = [("web:home", "Home")]
    if has_permission(user, Permission.REFER):
        links.append(("referrals:new", "Refer someone"))
    if has_permission(user, Permission.TRIAGE_REFERRALS):
        links.append(("referrals:queue", "Referrals"))
    if has_permission(user, Permission.WORK_CASES):
        links.append(("casework:caseload", "Caseload"))
    if has_permission(user, Permission.HANDLE_CONNECTIONS):
        links.append(("casework:partner_queue", "Referrals to us"))
    if has_permission(user, Permission.VIEW_DIRECTORY):
        links.append(("directory:services", "Directory"))
    if has_permission(user, Permission.HANDLE_CONNECTIONS) and user.organization_id:
        links.append(("directory:tasks", "Listings to check"))
    if has_permission(user, Permission.VIEW_DASHBOARDS):
        links.append(("insight:dashboard", "Dashboard"))
        links.append(("insight:evaluation", "Evaluation"))
        links.append(("insight:gaps", "Gaps"))
    if has_permission(user, Permission.VIEW_AUDIT):
        links.append(("audit:events", "Audit log"))
    return {"nav_links": links}
