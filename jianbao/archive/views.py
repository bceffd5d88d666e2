from itertools import groupby

from django.shortcuts import render

from jianbao.archive import selectors


def issue_list(request):
    issues = list(selectors.public_issues())
    by_year = [(year, list(items)) for year, items in groupby(issues, key=lambda i: i.year)]
    return render(request, "archive/issue_list.html", {"by_year": by_year, "issues": issues})


def issue_detail(request, year: int, number: int):
    issue = selectors.public_issue(year=year, number=number)
    contact_lines: dict[int, list[dict]] = {}
    for item in issue.contacts:
        contact_lines.setdefault(item["line"], []).append(item)
    return render(
        request,
        "archive/issue_detail.html",
        {
            "issue": issue,
            "sections": issue.sections.all(),
            "contact_lines": [contact_lines[k] for k in sorted(contact_lines)],
        },
    )
