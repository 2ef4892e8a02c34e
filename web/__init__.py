"""Pages that belong to no single domain: base templates, navigation, home, login, errors.

Has no models. Calls the domain apps' queries to build each role's home page.
"""
