"""The ``annotator`` command: the app by default, subcommands for batch work.

This module sits at the top of the layers: it may start the GUI, and nothing
imports it.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from annotator import __version__, errorlog
from annotator.codebook import CodebookError
from annotator.importers.detect import FORMATS
from annotator.importers.files import SourceFileError
from annotator.paths import default_project_location, default_project_path
from annotator.services.identity import CODER_VARIABLE
from annotator.store.errors import ProjectBusy, ProjectError, database_failure, file_failure

# As annotator.store.models.CODER_ROLES (not imported: --help must not load the database).
CODER_ROLES = ("coder", "adjudicator", "coordinator")
DB_HELP = (
    "the project: a .upr file or a database URL such as "
    "postgresql+psycopg://user@host/db (default: $ANNOTATOR_DB, else %(default_path)s)"
)


def _epilog(text: str) -> str:
    return "example:\n" + textwrap.indent(textwrap.dedent(text).strip(), "  ")


def build_parser() -> argparse.ArgumentParser:
    db_help = DB_HELP % {"default_path": default_project_path()}
    # --db may come before the command or after it. The subcommands' copy of the option
    # leaves the namespace alone when it is not given (SUPPRESS); with a default of its
    # own it would overwrite a --db given before the command with None.
    top = argparse.ArgumentParser(add_help=False)
    top.add_argument("--db", metavar="PATH_OR_URL", help=db_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH_OR_URL", help=db_help, default=argparse.SUPPRESS)
    # --as, too, before or after the command; SUPPRESS in both places, so that neither
    # copy resets a value the other was given.
    for parser_ in (top, common):
        parser_.add_argument(
            "--as",
            dest="as_coder",
            metavar="NAME",
            default=argparse.SUPPRESS,
            help=f"who you are: the coder this command acts as (default: ${CODER_VARIABLE}, "
            "else the name UPR Coder remembers on this computer)",
        )

    parser = argparse.ArgumentParser(
        prog="annotator",
        description=(
            "UPR Coder: code UN Universal Periodic Review recommendations. "
            "With no command it opens the app."
        ),
        parents=[top],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator                       # open the app on your last project
            annotator --coder "Amina K."    # open it as this coder without asking
            annotator init --sample --db china.upr
            annotator info --db china.upr
            """
        ),
    )
    parser.add_argument("--version", action="version", version=f"UPR Coder {__version__}")
    parser.add_argument("--coder", metavar="NAME", help="open the app as this coder")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = commands.add_parser(
        "init",
        parents=[common],
        help="create a project",
        description="Create a project with the UN states and a codebook.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator init --db team.upr --sample
            annotator init --db team.upr --codebook my-codebook.yaml
            """
        ),
    )
    init.add_argument(
        "--codebook",
        metavar="FILE",
        type=Path,
        help="codebook as YAML or xlsx (default: the built-in UPR recommendations codebook)",
    )
    init.add_argument(
        "--sample",
        action="store_true",
        help="load the bundled sample: China's 2018 review, 346 recommendations",
    )

    commands.add_parser(
        "info",
        parents=[common],
        help="say what a project holds",
        description=(
            "List a project's reviews, recommendations, codebook and coders, with each "
            "coder's recommendations by status."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator info --db team.upr"),
    )
    imp = commands.add_parser(
        "import",
        parents=[common],
        help="import recommendations or responses from files",
        description=(
            "Import UPR recommendations, or a state's responses, from OHCHR matrices (.docx), "
            "UPR Info exports (.xls/.xlsx/.csv), UHRI exports (.xlsx), Working Group reports "
            "(.docx/.txt), response lists, or any table with a column mapping. The format is "
            "recognised from the content unless --format says it. Nothing is written when "
            "any file has an error: the import is all or nothing."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator import --dry-run china-2018-matrix.docx
            annotator import uprinfo-export.csv
            annotator import --review China:A/HRC/56/6 --format wg-report A_HRC_56_6.docx
            annotator import --review A/HRC/56/6 china-responses.xlsx
            annotator import --review Chile:4 my-table.xlsx \\
              --map "number=Para,text=Recommendation,recommending_state=State"
            """
        ),
    )
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--format", choices=sorted(FORMATS), help="the files' format (default: recognised)"
    )
    imp.add_argument(
        "--review",
        metavar="REVIEW",
        help="the review the files belong to, as STATE:CYCLE (China:4), as the state and its "
        "report symbol (China:A/HRC/56/6: the session and year come from the UPR calendar), "
        "or the report symbol alone of a review the project has (A/HRC/56/6)",
    )
    imp.add_argument(
        "--map",
        metavar="MAPPING",
        help="for any other table: which column holds what, as target=Column pairs; targets: "
        "number, text, recommending_state, response, response_explanation, "
        "state_under_review, cycle, session, report_symbol (other columns are kept as tags)",
    )
    imp.add_argument(
        "--sheet", metavar="NAME", help="the workbook's sheet to read (default: the first)"
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would be imported, write nothing"
    )
    _add_irr(commands, common)
    _add_adjudicate(commands, common)
    _add_export(commands, common)
    _add_import_codes(commands, common)
    _add_stats(commands, common)
    _add_package(commands, common)
    _add_merge(commands, common)
    _add_db(commands, common)
    _add_review(commands, common)
    _add_coder(commands, common)
    return parser


def _add_review(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    review = commands.add_parser(
        "review",
        parents=[common],
        help="list the project's reviews, or set a review's session and report symbols",
        description=(
            "A review's session gives its year and month (from the UPR calendar); its report "
            "symbol (A/HRC/43/15) and addendum symbol (A/HRC/43/15/Add.1) name the documents "
            "its recommendations and responses come from."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator review list
            annotator review set China:4 --symbol A/HRC/56/6 --session 45
            annotator review set China:4 --addendum A/HRC/56/6/Add.1
            """
        ),
    )
    actions = review.add_subparsers(dest="review_command", metavar="ACTION", required=True)
    actions.add_parser("list", parents=[common], help="every review with its session and symbols")
    put = actions.add_parser(
        "set",
        parents=[common],
        help="set a review's session, year or symbols",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator review set Slovenia:3 --symbol A/HRC/43/15 --session 34"),
    )
    put.add_argument("which", metavar="STATE:CYCLE", help="the review (or its report symbol)")
    put.add_argument("--symbol", help="the Working Group report's symbol, A/HRC/NN/X")
    put.add_argument("--addendum", help="the addendum's symbol, A/HRC/NN/X/Add.1")
    put.add_argument("--session", type=int, help="the Working Group session (1, 2, ...)")
    put.add_argument(
        "--year", type=int, help="the year, only for a session the UPR calendar does not hold"
    )


def _add_db(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    db = commands.add_parser(
        "db",
        parents=[common],
        help="move a project between a file and a server; team server logins",
        description=(
            "Copy a whole project, every record with its identity, from a SQLite file to a "
            "PostgreSQL server or back (the target must be a new file or an empty database; "
            "the copy is checked table by table). On a server, give each person their own "
            "login: 'secure' installs the rules by which the server itself keeps coders "
            "blind, 'grant' links a login to a coder and gives it that coder's role."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator db copy --from team.upr --to postgresql+psycopg://coord@server/upr
            annotator db copy --from postgresql+psycopg://coord@server/upr --to backup.upr
            annotator db grant --db postgresql+psycopg://coord@server/upr \\
              --login amina --coder Amina
            annotator db logins --db postgresql+psycopg://coord@server/upr
            """
        ),
    )
    actions = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy",
        parents=[common],
        help="copy a project into a new database and verify it",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator db copy --from team.upr --to postgresql+psycopg://u@h/db"),
    )
    copy.add_argument("--from", dest="source", required=True, metavar="PATH_OR_URL")
    copy.add_argument("--to", dest="destination", required=True, metavar="PATH_OR_URL")
    actions.add_parser(
        "secure",
        parents=[common],
        help="install the team server's roles and row-level security (as the owner)",
        description=(
            "Create the project's three group roles on the server (coder, adjudicator, "
            "coordinator), grant each what its role may change, and turn on row-level "
            "security so that a coder's login sees and changes only that coder's work. "
            "Run it as the owner of the database; run it again after updating UPR Coder "
            "or changing someone's role, to bring the server in line. 'db grant' runs it too."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator db secure --db postgresql+psycopg://coord@server/upr"),
    )
    grant = actions.add_parser(
        "grant",
        parents=[common],
        help="link a server login to a coder and give it the coder's role",
        description=(
            "Link a PostgreSQL login to a coder of the project (a new name is added as a "
            "plain coder) and put the login in the group of that coder's role. Whoever "
            "connects with the login then codes as that coder, whatever name their laptop "
            "remembers, and the server shows them only what their role allows. Run it as "
            "the owner of the database."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator db grant --db postgresql+psycopg://coord@server/upr \\
              --login amina --coder "Amina K."
            annotator db grant --db postgresql+psycopg://coord@server/upr \\
              --login ben --coder Ben --create-login
            """
        ),
    )
    grant.add_argument("--login", required=True, metavar="LOGIN", help="the PostgreSQL login")
    grant.add_argument("--coder", required=True, metavar="NAME", help="the coder it codes as")
    grant.add_argument(
        "--create-login",
        action="store_true",
        help="create the login if the server has none of that name (asks for its password "
        "when run in a terminal)",
    )
    revoke = actions.add_parser(
        "revoke",
        parents=[common],
        help="unlink a server login from its coder (the coder's work stays)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator db revoke --db postgresql+psycopg://coord@h/upr --login ben"),
    )
    revoke.add_argument("--login", required=True, metavar="LOGIN")
    actions.add_parser(
        "logins",
        parents=[common],
        help="list the server logins, their coders and roles",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog("annotator db logins --db postgresql+psycopg://coord@server/upr"),
    )


SOURCE_HELP = "whose codes: consensus (the adjudicated values), coder:NAME, or all-coders"


def _add_export(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    export = commands.add_parser(
        "export",
        parents=[common],
        help="export the coded recommendations as a workbook or CSV",
        description=(
            "Write the coded recommendations as an Excel workbook (sheets Recommendations, "
            "Summary with charts, Reliability, Codebook, About) or as CSV (UTF-8 with a BOM). "
            "No cell is ever read as a formula. With --coding-sheet, write a sheet for one "
            "coder to code in Excel and bring back with 'annotator import-codes'."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator export --db team.upr coded.xlsx
            annotator export --db team.upr --source coder:Amina amina.xlsx
            annotator export --db team.upr --source all-coders --format csv all.csv
            annotator export --db team.upr --review China:4 china-2024.xlsx
            annotator export --db team.upr --coding-sheet --coder Amina amina-sheet.xlsx
            """
        ),
    )
    export.add_argument("out", type=Path, metavar="OUT", help="the file to write")
    export.add_argument(
        "--format", choices=("xlsx", "csv"), help="default: from OUT's extension, else xlsx"
    )
    export.add_argument(
        "--source", default="consensus", help=SOURCE_HELP + " (default: %(default)s)"
    )
    export.add_argument(
        "--review",
        action="append",
        metavar="REVIEW",
        help="only this review, as STATE:CYCLE (China:4) or a report symbol; repeat for more",
    )
    export.add_argument(
        "--coding-sheet",
        action="store_true",
        help="write a coding sheet for --coder (their assigned recommendations) instead",
    )
    export.add_argument("--coder", metavar="NAME", help="the coder of the coding sheet")
    export.add_argument(
        "--no-reliability", action="store_true", help="leave out the Reliability sheet"
    )


def _add_import_codes(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    imp = commands.add_parser(
        "import-codes",
        parents=[common],
        help="bring back a coding sheet filled in outside the app",
        description=(
            "Read a coding sheet written by 'annotator export --coding-sheet' and save what "
            "the coder entered as their codes. Every cell is checked first (unknown codes, "
            "two values in a single-choice field, edited recommendation text...); if any is "
            "wrong nothing is saved and each problem is listed by sheet, row and column."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator import-codes --db team.upr amina-sheet.xlsx
            annotator import-codes --db team.upr --dry-run amina-sheet.xlsx
            """
        ),
    )
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="check the sheet, save nothing")


def _add_stats(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    stats = commands.add_parser(
        "stats",
        parents=[common],
        help="the figures a report quotes: responses, rates, themes, progress",
        description=(
            "Print response breakdowns (the state's wording, its category and the UN "
            "position) with both rejection rates (rejected / all, and (rejected + noted) / "
            "all), cycle-to-cycle comparisons, theme x response tables, checks of statements "
            "such as 'no accepted recommendation concerns torture', figures by recommending "
            "state or regional group, the verification of published responses, and coding "
            "progress. With no option: every review's breakdown and the coding progress."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator stats --db team.upr
            annotator stats --db team.upr --review China:4
            annotator stats --db team.upr --compare China:3 China:4
            annotator stats --db team.upr --themes --source coder:Amina
            annotator stats --db team.upr --check none accepted torture
            annotator stats --db team.upr --check all rejected reprisals
            annotator stats --db team.upr --by group --verify --progress
            """
        ),
    )
    stats.add_argument(
        "--review", action="append", metavar="REVIEW", help="only this review; repeat for more"
    )
    stats.add_argument(
        "--source",
        help=SOURCE_HELP + " (default: the consensus if any, else the only coder, else any coder)",
    )
    stats.add_argument(
        "--compare", nargs=2, metavar=("EARLIER", "LATER"), help="compare two reviews of a state"
    )
    stats.add_argument(
        "--themes", action="store_true", help="theme x response, counts and row shares"
    )
    stats.add_argument(
        "--level",
        choices=("theme", "group"),
        default="theme",
        help="for --themes (default: %(default)s)",
    )
    stats.add_argument(
        "--check",
        nargs=3,
        metavar=("none|all", "RESPONSE", "THEME"),
        help="check 'no RESPONSE recommendation concerns THEME' (none) or "
        "'every recommendation on THEME was RESPONSE' (all)",
    )
    stats.add_argument(
        "--by", choices=("state", "group"), help="by recommending state or regional group"
    )
    stats.add_argument(
        "--verify",
        action="store_true",
        help="coders' verified responses against the published ones",
    )
    stats.add_argument("--progress", action="store_true", help="coding progress per coder")


# Kept here, not imported, so that building the parser does not load pandas and the
# statistics; tests/test_reliability_report.py checks they match the service's.
IRR_FORMATS = ("table", "csv", "json", "xlsx")
IRR_MEASURES = ("percent", "unanimous", "alpha", "jaccard", "kappa", "pi", "fleiss", "ac1", "ac2")


def _add_irr(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    irr = commands.add_parser(
        "irr",
        parents=[common],
        help="measure inter-coder reliability",
        description=(
            "Measure how far coders agree on the recommendations two or more of them coded: "
            "percent agreement, Krippendorff's alpha, Cohen's or Fleiss' kappa, Gwet's AC1/AC2 "
            "for each field, each pair of coders and (with --by code) each code, with a "
            "plain-language reading of every figure. Free-text fields are measured only when "
            "named with --field."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator irr --db team.upr
            annotator irr --db team.upr --field themes --by code --coders "Amina K.,Ben"
            annotator irr --db team.upr --metric alpha,kappa --bootstrap 1000 --format json
            annotator irr --db team.upr --by code --out reliability.xlsx
            annotator irr --db team.upr --plan
            """
        ),
    )
    irr.add_argument(
        "--field",
        action="append",
        metavar="KEY",
        help="a codebook field to measure, by key (repeat or separate with commas; "
        "default: every coded field but free text)",
    )
    irr.add_argument(
        "--coders",
        metavar="A,B",
        help="only these coders, by name, separated with commas (default: all)",
    )
    irr.add_argument(
        "--metric",
        action="append",
        metavar="NAME",
        help=f"measures to compute (repeat or separate with commas): {', '.join(IRR_MEASURES)} "
        "(default: the usual ones for each kind of field)",
    )
    irr.add_argument(
        "--by",
        choices=["code"],
        help="also measure each code of the choice fields (present or absent), "
        "least reliable first",
    )
    irr.add_argument(
        "--bootstrap",
        type=int,
        default=0,
        metavar="DRAWS",
        help="95 %% intervals from this many bootstrap draws of the recommendations (e.g. 1000)",
    )
    irr.add_argument("--seed", type=int, default=0, help="seed of the bootstrap draws")
    irr.add_argument(
        "--format",
        choices=IRR_FORMATS,
        help="table (default), csv, json, or xlsx (needs --out); "
        "default: from the --out file's ending",
    )
    irr.add_argument("--out", type=Path, metavar="FILE", help="write to this file, not the screen")
    irr.add_argument(
        "--plan",
        action="store_true",
        help="plan the sample instead: how many double-coded recommendations each field and "
        "theme needs for alpha .800 (and .667) at p = .05, and whether there are enough",
    )


def _add_adjudicate(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    adjudicate = commands.add_parser(
        "adjudicate",
        parents=[common],
        help="list disagreements between coders, accept agreements",
        description=(
            "List the recommendations on which coders gave different values, each coder's "
            "value side by side (decide them in the app: Disagreements). With "
            "--accept-agreements, make the shared value the final one wherever every coder "
            "agrees and nothing is decided yet; this needs an adjudicator or coordinator."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator adjudicate --db team.upr --field themes
            annotator adjudicate --db team.upr --field themes --code torture --coders Amina,Ben
            annotator adjudicate --db team.upr --accept-agreements --as "Cora"
            """
        ),
    )
    adjudicate.add_argument("--field", metavar="KEY", help="only this codebook field, by key")
    adjudicate.add_argument("--code", metavar="KEY", help="only disagreements about this code")
    adjudicate.add_argument(
        "--coders", metavar="A,B", help="compare only these coders, by name, separated with commas"
    )
    adjudicate.add_argument(
        "--decided", action="store_true", help="list the disagreements already decided too"
    )
    adjudicate.add_argument(
        "--accept-agreements",
        action="store_true",
        help="make the coders' shared value final where they all agree",
    )


def _add_package(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    package = commands.add_parser(
        "package",
        parents=[common],
        help="make coder packages to code offline",
        description=(
            "Coder packages: a project file for one coder, holding the recommendations given "
            "to them, the codebook and their own earlier codes, and nothing of the other "
            "coders' codes. The coder opens it in UPR Coder like any project, codes offline, "
            "and sends it back for 'annotator merge'."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator package create --db team.upr --coder "Amina K." amina.upr
            annotator package create --db team.upr --coder Ben --assignment all ben.upr
            """
        ),
    )
    actions = package.add_subparsers(dest="package_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create",
        parents=[common],
        help="write one coder's package",
        description=(
            "Write the package of one coder: their assigned recommendations (every "
            "recommendation if they have no assignment, or with --assignment all), the "
            "codebook in use and their own earlier codes and statuses. No other coder's codes "
            "go into it, so blind coding holds."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator package create --db team.upr --coder "Amina K." amina.upr
            annotator package create --db team.upr --coder Ben --assignment all ben.upr
            """
        ),
    )
    create.add_argument("out", type=Path, metavar="OUT.upr", help="the package file to write")
    create.add_argument("--coder", required=True, metavar="NAME", help="whose package it is")
    create.add_argument(
        "--assignment",
        choices=("mine", "all"),
        default="mine",
        help="mine: the recommendations assigned to the coder (all if they have none); "
        "all: every recommendation (default: %(default)s)",
    )
    create.add_argument(
        "--overwrite", action="store_true", help="replace OUT.upr if it exists already"
    )


def _add_merge(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    merge = commands.add_parser(
        "merge",
        parents=[common],
        help="bring coders' packages back into the project",
        description=(
            "Merge coder packages into the project, all in one go: a coder's later edit of a "
            "value wins and the value it replaces is kept in the audit trail; a value the "
            "coder deleted is deleted. Merging a package twice changes nothing, and the "
            "order of the packages does not matter. A package that is damaged, altered, "
            "from another project or of a coder the project does not have is refused, and "
            "nothing at all is merged. Every merge is recorded in the merge log."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator merge --db team.upr --dry-run amina.upr ben.upr
            annotator merge --db team.upr --as Olga amina.upr ben.upr cora.upr
            annotator merge --db team.upr --add-coders dan.upr
            """
        ),
    )
    merge.add_argument("files", nargs="+", type=Path, metavar="IN.upr", help="packages to merge")
    merge.add_argument(
        "--dry-run", action="store_true", help="show what would be merged, write nothing"
    )
    merge.add_argument(
        "--add-coders",
        action="store_true",
        help="add a package's coder whom the project does not have yet (else it is refused)",
    )
    merge.add_argument(
        "--details",
        type=int,
        default=50,
        metavar="N",
        help="list at most N changed values per package (default: %(default)s)",
    )


def _package(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.packages import create_package
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        with project.session() as session:
            acting = _acting_id(session, args)
        report = create_package(
            project,
            args.coder,
            args.out,
            assignment=args.assignment,
            overwrite=args.overwrite,
            made_by_id=acting,
        )
    finally:
        project.close()
    print(report.sentence())
    return 0


def _merge(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.packages import merge, merge_preview
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        with project.session() as session:
            by_coder_id = _acting_id(session, args)
        if args.dry_run:
            plan = merge_preview(
                project, args.files, add_coders=args.add_coders, by_coder_id=by_coder_id
            )
        else:
            plan = merge(project, args.files, by_coder_id=by_coder_id, add_coders=args.add_coders)
    finally:
        project.close()
    for line in plan.lines(details=args.details):
        print(line)
    if args.dry_run:
        print("Dry run: nothing was merged.")
    elif plan.writes_anything:
        print(
            "Merged."
            + (f" A copy of the project as it was is in {plan.backup}" if plan.backup else "")
        )
    else:
        print("Nothing new to merge: the project already holds all of it.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    target = args.db or default_project_location()
    try:
        handler = _HANDLERS.get(args.command)
        if handler is not None:
            return handler(target, args)
        return _gui(args)
    except BrokenPipeError:
        # The reader went away (`annotator stats | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ProjectError, CodebookError, SourceFileError, ValueError) as error:
        print(f"annotator: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"annotator: {file_failure(error) or error}", file=sys.stderr)
        return 1
    except ProjectBusy as busy:
        print(f"annotator: {busy}", file=sys.stderr)
        return 1
    except Exception as error:
        return _failed(error, target)


def _failed(error: Exception, target: str | Path) -> int:
    """A database failure a person can cause gets its sentence; anything else is a bug:
    its traceback goes to the log file, and the message says where."""
    from sqlalchemy.exc import DBAPIError

    where = str(target)
    failure = database_failure(error, where) if isinstance(error, DBAPIError) else None
    if failure is not None:
        print(f"annotator: {failure}", file=sys.stderr)
        return 1
    log = errorlog.record(error, context=f"command line: {' '.join(sys.argv[1:])[:500]}")
    print(f"annotator: {errorlog.unexpected_message(error, log)}", file=sys.stderr)
    return 2


def _db(target: str | Path, args: argparse.Namespace) -> int:
    if args.db_command == "copy":
        return _db_copy(target, args)
    from annotator.services import server_logins
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.db_command == "secure":
            secured = server_logins.secure_project(project)
            print(f"Secured {project.location}: the server now keeps coders blind.")
            for role, group in secured.groups.items():
                print(f"  {role}s: group role {group}")
            print(f"Logins brought in line with their coders' roles: {secured.logins}")
            if secured.unknown_tables:
                unknown = ", ".join(secured.unknown_tables)
                print(
                    "Tables this version does not know, readable by coders only for their "
                    f"own rows and changed only by coordinators: {unknown}"
                )
        elif args.db_command == "grant":
            password = None
            if args.create_login and sys.stdin.isatty():
                import getpass

                password = getpass.getpass(f"Password for the new login {args.login}: ")
                if getpass.getpass("Again: ") != password:
                    raise ValueError("The two passwords differ; nothing was changed.")
            done = server_logins.grant_login(
                project, args.login, args.coder, create_login=args.create_login, password=password
            )
            if done.created_login:
                how = "." if password else " without a password (set one: ALTER ROLE ... PASSWORD)."
                print(f"Created the login {done.login}{how}")
            if done.created_coder:
                print(f"Added {done.coder} to the project's coders, as a coder.")
            print(
                f"The login {done.login} now codes as {done.coder} ({done.role}; "
                f"server group {done.group})."
            )
        elif args.db_command == "revoke":
            if server_logins.revoke_login(project, args.login):
                print(f"The login {args.login} is no longer linked to a coder; their work stays.")
            else:
                print(f"The login {args.login} was not linked to a coder; nothing changed.")
        else:
            rows = server_logins.list_logins(project)
            if not rows:
                print("No login is linked to a coder yet: use 'annotator db grant'.")
            for row in rows:
                line = f"{row.login}: {row.coder} ({row.role})"
                if not row.in_line:
                    line += (
                        f", but the server has the login as {row.server_role or 'nothing'}: "
                        "run 'annotator db secure' to bring it in line"
                    )
                print(line)
    finally:
        project.close()
    return 0


def _db_copy(_target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.db_copy import copy_project
    from annotator.services.identity import acting_name

    report = copy_project(
        args.source, args.destination, by_coder=acting_name(getattr(args, "as_coder", None))
    )
    print(f"Copied {report.rows:,} records in {len(report.tables)} parts to {args.destination}")
    print("Checked: every part has the same count and checksum on both sides.")
    return 0


def _init(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.codebook import load_codebook_file
    from annotator.services.coders import clean_name
    from annotator.services.projects import init_project, summarise

    book = load_codebook_file(args.codebook) if args.codebook else None
    coordinator = _creator(args)
    project = init_project(target, codebook=book, sample=args.sample, coordinator=coordinator)
    try:
        summary = summarise(project)
    finally:
        project.close()
    print(f"Created project {summary.location}")
    print(f"Codebook: {summary.codebook}")
    print(f"Recommendations: {summary.recommendations}")
    if coordinator:
        print(f"Coordinator: {clean_name(coordinator)}")
    else:
        print(
            "Coordinator: nobody yet. Say who you are next time (--as NAME or "
            f"${CODER_VARIABLE}); to become coordinator now: "
            "annotator coder set-role YOUR-NAME coordinator --as YOUR-NAME"
        )
    return 0


def _creator(args: argparse.Namespace) -> str | None:
    """Whoever creates a project is its coordinator: --as, else $ANNOTATOR_CODER, else
    the name the app remembers, else (at a terminal) asked; else nobody yet."""
    from annotator.services.coders import clean_name
    from annotator.services.identity import acting_name

    name = acting_name(getattr(args, "as_coder", None))
    if name is None and sys.stdin.isatty():
        try:
            answer = input("Your name (you become the project's coordinator; Enter to skip): ")
        except EOFError:
            answer = ""
        name = " ".join(answer.split()) or None
    if name is not None:
        clean_name(name)  # a bad name is refused before anything is created
    return name


def _info(target: str | Path, _args: argparse.Namespace) -> int:
    from annotator.services.projects import summarise
    from annotator.store.project import open_project
    from annotator.vocabulary import STATUS_LABELS

    project = open_project(target)
    try:
        summary = summarise(project)
    finally:
        project.close()
    print(f"Project: {summary.location}")
    print(f"Codebook: {summary.codebook}")
    print(f"Reviews: {len(summary.reviews)}")
    for review in summary.reviews:
        year = f", {review.year}" if review.year else ""
        symbol = f", {review.report_symbol}" if review.report_symbol else ""
        print(
            f"  {review.state}, cycle {review.cycle}{year}{symbol}: "
            f"{review.recommendations} recommendations"
        )
    print(f"Recommendations: {summary.recommendations}")
    print(f"Coders: {len(summary.coders)}")
    for coder in summary.coders:
        parts = ", ".join(f"{STATUS_LABELS[s]} {n}" for s, n in coder.by_status.items())
        print(f"  {coder.name} ({coder.role}): {parts}")
    return 0


def _import(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.importers.generic_table import parse_mapping
    from annotator.services.importing import (
        ImportOptions,
        ImportRefused,
        describe,
        import_files,
        parse_review,
    )
    from annotator.store.project import open_project

    review, symbol = parse_review(args.review) if args.review else (None, None)
    options = ImportOptions(
        # A column mapping is only for "any other table": --map says the format.
        format=args.format or ("table" if args.map else None),
        review=review,
        review_symbol=symbol,
        mapping=parse_mapping(args.map) if args.map else None,
        sheet=args.sheet,
    )
    project = open_project(target)
    try:
        plan = import_files(project, args.files, options, dry_run=args.dry_run)
    except ImportRefused as refused:
        for line in describe(refused.plan):
            print(line)
        print("Nothing was imported: correct the errors above and import again.", file=sys.stderr)
        return 1
    finally:
        project.close()
    for line in describe(plan):
        print(line)
    if args.dry_run:
        print(
            "Dry run: nothing was written."
            + (" The import would be refused." if plan.errors else "")
        )
        return 1 if plan.errors else 0
    print(
        "Imported."
        if plan.writes_anything
        else "Nothing new to import: the project already holds all of it."
    )
    return 0


def _acting_id(session, args: argparse.Namespace) -> int | None:
    """Who the command acts as (--as, else $ANNOTATOR_CODER, else the remembered name),
    as a coder of this project; None when nobody is named (guarded actions refuse)."""
    from annotator.services.coders import find_coder, get_coder
    from annotator.services.identity import acting_name

    given = getattr(args, "as_coder", None)
    from annotator.store import server_security

    linked = server_security.identity(session.connection())
    if linked is not None and linked.coder_id is not None:
        # A server login linked to a coder is that coder; naming anyone else is refused.
        own = get_coder(session, linked.coder_id)
        if given and own is not None and " ".join(given.split()) != own.name:
            raise ValueError(
                f"You are connected as the login {linked.login}, which is the coder "
                f"{own.name}; it cannot act as {' '.join(given.split())}."
            )
        return linked.coder_id
    name = acting_name(given)
    if name is None:
        return None
    coder = find_coder(session, name)
    if coder is None:
        why = (
            "--as"
            if given
            else f"${CODER_VARIABLE}"
            if os.environ.get(CODER_VARIABLE)
            else "the name UPR Coder remembers"
        )
        raise ValueError(
            f"You act as '{name}' ({why}), but this project has no coder of that name; "
            "a coordinator can add you with 'annotator coder add'."
        )
    return coder.id


def _names(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [part.strip() for part in text.split(",") if part.strip()]


def _irr(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.reliability_report import report, write_report
    from annotator.store.project import open_project
    from annotator.store.safe_write import check_target

    fmt = args.format
    if fmt is None:
        suffix = args.out.suffix.lower().lstrip(".") if args.out else ""
        fmt = suffix if suffix in ("csv", "json", "xlsx") else "table"
    if fmt == "xlsx" and args.out is None:
        raise ValueError("A workbook needs a file to go to: add --out FILE.xlsx.")
    fields = None
    if args.field:
        fields = [key for value in args.field for key in _names(value) or []]
    if args.plan:
        return _irr_plan(target, args, fields, fmt)
    project = open_project(target)
    try:
        if args.out is not None:  # before the figures are computed, not after
            check_target(args.out, protect=[project.path])
        with project.session() as session:
            result = report(
                session,
                by_coder_id=_acting_id(session, args),
                fields=fields,
                coders=_names(args.coders),
                metrics=args.metric,
                by_code=args.by == "code",
                bootstrap=args.bootstrap,
                seed=args.seed,
                project_name=project.display_name,
            )
    finally:
        project.close()
    if not result.comparable:
        among = f" among {', '.join(result.coders)}" if result.coders else ""
        labels = ", ".join(f.label for f in result.fields)
        message = (
            f"Fewer than two coders{among} coded the same recommendations in {labels}, "
            "so there is no agreement to measure yet."
        )
        if result.overlap_done == 0:
            message += (
                f" {result.overlap_reading} Give two coders the same recommendations "
                "(Assign recommendations: a random sample for double coding) and measure "
                "again when both are done."
            )
        raise ValueError(message)
    text = write_report(result, fmt, args.out, project_path=project.path)
    if text is not None:
        sys.stdout.write(text)
    else:
        print(f"Wrote {args.out}")
    return 0


def _irr_plan(
    target: str | Path, args: argparse.Namespace, fields: list[str] | None, fmt: str
) -> int:
    import json
    from dataclasses import asdict

    from annotator.services.sample_plan import plan_table, sample_plan
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        with project.session() as session:
            plan = sample_plan(session, fields, _names(args.coders))
    finally:
        project.close()
    if fmt not in ("table", "json"):
        raise ValueError("The sample plan is written as a table or as JSON (--format json).")
    if fmt == "json":
        data = asdict(plan)
        for row, out in zip(plan.rows, data["rows"], strict=True):
            out["reading"] = row.reading(plan.recommendations)
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    else:
        text = plan_table(plan)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"Wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _adjudicate(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import adjudication
    from annotator.services.coding import FieldValue, form_spec
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.accept_agreements:
            with project.write() as session:
                count = adjudication.accept_agreements(
                    session,
                    args.field,
                    by_coder_id=_acting_id(session, args),
                    coders=_names(args.coders),
                )
            print(
                f"Accepted the coders' shared value as final for {count} "
                f"value{'s' if count != 1 else ''}."
            )
            return 0
        with project.session() as session:
            spec = form_spec(session)
            found = adjudication.disagreements(
                session,
                args.field,
                args.code,
                _names(args.coders),
                include_decided=args.decided,
                by_coder_id=_acting_id(session, args),
            )
    finally:
        project.close()
    fields = {f.id: f for f in spec.fields}

    def shown(field_id: int, value) -> str:
        fspec = fields[field_id]
        if fspec.is_choice:
            return ", ".join(c.key for c in fspec.codes if c.id in value.codes) or "(no code)"
        return value.text or "(nothing)"

    for item in found:
        sides = " | ".join(f"{v.coder}: {shown(item.field_id, v.value)}" for v in item.values)
        line = f"{item.review} {item.number}  {item.field_key}  {sides}"
        if item.differing:
            line += f"  (differ: {shown(item.field_id, FieldValue(item.differing))})"
        if item.decided:
            line += f"  [decided: {shown(item.field_id, item.consensus)}]"
        print(line)
    open_count = sum(1 for item in found if not item.decided)
    print(f"{open_count} disagreement{'s' if open_count != 1 else ''} to decide.")
    return 0


def _review_ids(session, reviews: list[str] | None) -> list[int] | None:
    from annotator.services.analysis_data import find_review

    if not reviews:
        return None
    return list(dict.fromkeys(find_review(session, text) for text in reviews))


def _export(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.exporting import ExportOptions, export
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        with project.session() as session:
            review_ids = _review_ids(session, args.review)
            acting = _acting_id(session, args)
        if args.coding_sheet:
            from annotator.services.coding_sheet import write_coding_sheet

            if not args.coder:
                raise ValueError("A coding sheet is for one coder: name them with --coder.")
            sheet = write_coding_sheet(
                project, args.coder, args.out, review_ids=review_ids, by_coder_id=acting
            )
            print(
                f"Wrote a coding sheet for {sheet.coder}: {sheet.recommendations} "
                f"recommendations, to {args.out}"
            )
            return 0
        fmt = args.format or ("csv" if args.out.suffix.lower() == ".csv" else "xlsx")
        options = ExportOptions(
            format=fmt,
            source=args.source,
            review_ids=tuple(review_ids) if review_ids is not None else None,
            reliability=not args.no_reliability,
        )
        result = export(project, args.out, options, by_coder_id=acting)
    finally:
        project.close()
    print(f"Exported {result.recommendations} recommendations ({result.source}) to {result.path}")
    if result.coder_rows:
        print(f"Coders' rows: {result.coder_rows}")
    if result.sheets:
        print(f"Sheets: {', '.join(result.sheets)}")
    if result.cut_sentence():
        print(f"Note: {result.cut_sentence()}")
    return 0


def _import_codes(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services.coding_sheet import CodingSheetRefused, import_coding_sheet
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        with project.session() as session:
            acting = _acting_id(session, args)
        result = import_coding_sheet(project, args.file, dry_run=args.dry_run, by_coder_id=acting)
    except CodingSheetRefused as refused:
        for problem in refused.problems:
            print(problem)
        print(
            f"Nothing was saved: {len(refused.problems)} problem(s) in {args.file}. "
            "Correct them and import the sheet again.",
            file=sys.stderr,
        )
        return 1
    finally:
        project.close()
    verb = "Would save" if args.dry_run else "Saved"
    print(
        f"{verb} {result.changed_values} changed values on {result.recommendations} "
        f"recommendations for {result.coder}"
        + (f" and {result.changed_statuses} statuses." if result.changed_statuses else ".")
    )
    if args.dry_run:
        print("Dry run: nothing was written.")
    return 0


def _stats(target: str | Path, args: argparse.Namespace) -> int:
    from annotator import analysis
    from annotator.services import analysis_data
    from annotator.services.sources import parse_source
    from annotator.store.project import open_project

    def show(frame, index: bool = True) -> None:
        print(analysis.readable(frame).to_string(index=index))
        print()

    project = open_project(target)
    try:
        with project.session() as session:
            review_ids = _review_ids(session, args.review)
            compare = [analysis_data.find_review(session, r) for r in args.compare or ()]
            source = parse_source(session, args.source) if args.source else None
            wanted = None
            if review_ids is not None or compare:
                wanted = list(dict.fromkeys([*(review_ids or []), *compare]))
            data = analysis_data.load(
                session, source=source, review_ids=wanted, by_coder_id=_acting_id(session, args)
            )
    finally:
        project.close()
    recs = data.recommendations
    plain = not (args.compare or args.themes or args.check or args.by or args.verify)
    if plain or args.review:
        for review_id in review_ids or recs["review_id"].drop_duplicates():
            b = analysis.response_breakdown(recs, int(review_id))
            print(f"== {b.label}: {b.total} recommendations")
            show(b.categories.set_index("Response"))
            show(b.wordings, index=False)
            show(b.positions, index=False)
            for rate in b.rates:
                print(rate)
            print(f"{b.sentence()} (Of {b.basis.removeprefix('of ')}.)")
            print()
    if args.compare:
        c = analysis.compare_reviews(recs, compare[0], compare[1])
        print(f"== {c.earlier.label} against {c.later.label}")
        show(c.table.set_index("Measure"))
        print(c.not_accepted_sentence())
        print(c.sentence(analysis.RATE_STRICT))
        print(c.sentence(analysis.RATE_BROAD))
        print()
    if args.themes:
        tab = analysis.theme_crosstab(recs, data.themes, level=args.level)
        print(f"== Themes x response (themes from {data.source.label}; {tab.basis})")
        show(tab.counts)
        show(tab.shares)
    if args.check:
        quantifier, response, theme = args.check
        if quantifier not in ("none", "all"):
            raise ValueError(
                "--check takes 'none' or 'all' first, e.g. --check none accepted torture"
            )
        result = analysis.check_statement(
            recs,
            data.themes,
            theme,
            response,
            quantifier=quantifier,
            known_themes=data.theme_labels,
        )
        print(f"== {result.claim}")
        print(result.verdict)
        if not result.counter_examples.empty:
            cols = [
                c for c in ("review", "number", "response", "text") if c in result.counter_examples
            ]
            show(result.counter_examples[cols], index=False)
    if args.by == "state":
        print("== By recommending state (a joint recommendation counts for each of its states)")
        show(analysis.by_recommending_state(recs, data.recommending))
    elif args.by == "group":
        print("== By regional group of the recommending states")
        show(analysis.by_regional_group(recs, data.recommending))
    if args.verify:
        if data.verified is None:
            print("The codebook has no verified-response field.")
        else:
            v = analysis.verify_responses(recs, data.verified)
            print("== Verification of the published responses")
            for outcome, count in v.counts.items():
                print(f"{outcome}: {count}")
            if not v.review.empty:
                print()
                show(v.review.drop(columns=["id"]), index=False)
    if plain or args.progress:
        p = data.progress()
        print("== Coding progress")
        if p.by_coder.empty:
            print("Nobody has coded yet.")
        else:
            show(p.by_coder, index=False)
        print(f"Done by at least one coder: {p.done_by_any} of {p.total}")
        print(f"Done by two coders or more: {p.done_by_two}")
    return 0


def _add_coder(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    coder = commands.add_parser(
        "coder",
        parents=[common],
        help="list the coders, add them, give them roles",
        description=(
            "The project's coders and their roles: coder (codes blind, sees only their own "
            "work), adjudicator (also sees everyone's codes and decides the final values), "
            "coordinator (also edits the codebook, assigns work, makes and merges packages, "
            "manages coders). Changing coders is a coordinator's job: say who you are with "
            f"--as NAME (or ${CODER_VARIABLE}). In a project without a coordinator, anyone "
            "can make themselves coordinator with set-role."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_epilog(
            """
            annotator coder list --db team.upr
            annotator coder add Amina --role adjudicator --db team.upr --as Cora
            annotator coder add Ben Chen Dan --db team.upr --as Cora
            annotator coder set-role Ben adjudicator --db team.upr --as Cora
            annotator coder rename "Ben" "Ben Okafor" --db team.upr --as Cora
            annotator coder retire "Ben Okafor" --db team.upr --as Cora
            annotator coder set-role Cora coordinator --as Cora   # no coordinator yet
            """
        ),
    )
    actions = coder.add_subparsers(dest="coder_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="the coders and their roles")
    listing.add_argument(
        "--retired", action="store_true", help="list retired coders too (their work stays)"
    )
    add = actions.add_parser("add", parents=[common], help="add coders (all with one role)")
    add.add_argument("names", nargs="+", metavar="NAME")
    add.add_argument("--role", default="coder", choices=CODER_ROLES, help="(default: coder)")
    role = actions.add_parser("set-role", parents=[common], help="give a coder a role")
    role.add_argument("name", metavar="NAME")
    role.add_argument("role", choices=CODER_ROLES)
    rename = actions.add_parser("rename", parents=[common], help="change a coder's name")
    rename.add_argument("name", metavar="NAME")
    rename.add_argument("new_name", metavar="NEW-NAME")
    retire = actions.add_parser(
        "retire", parents=[common], help="stop a coder coding; their work stays"
    )
    retire.add_argument("name", metavar="NAME")
    restore = actions.add_parser("restore", parents=[common], help="bring a retired coder back")
    restore.add_argument("name", metavar="NAME")


def _coder(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import coders
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.coder_command == "list":
            with project.session() as session:
                rows = coders.coder_rows(session, include_retired=args.retired)
                has_coordinator = bool(coders.coordinators(session))
            for row in rows:
                retired = ", retired" if row.retired else ""
                print(f"{row.name} ({row.role}{retired}): {row.coded} recommendations coded")
            if not rows:
                print("No coders yet.")
            if not has_coordinator:
                print(
                    "This project has no coordinator. To become one: annotator coder "
                    "set-role YOUR-NAME coordinator --as YOUR-NAME"
                )
            return 0
        with project.write() as session:
            if args.coder_command == "set-role" and not coders.coordinators(session):
                # Claiming an empty coordinator role: the claimant joins the project (as
                # opening it in the app would) so that they can be made coordinator.
                from annotator.services.identity import acting_name

                name = acting_name(getattr(args, "as_coder", None))
                if name is not None and coders.find_coder(session, name) is None:
                    coders.get_or_create_coder(session, name)
            acting = _acting_id(session, args)
            if args.coder_command == "add":
                added = [
                    coders.add_coder(session, name, args.role, by_coder_id=acting).name
                    for name in args.names
                ]
                message = f"Added {', '.join(added)} as {args.role}."
            else:
                coder = coders.coder_named(session, args.name)
                if args.coder_command == "set-role":
                    coders.set_role(session, coder.id, args.role, by_coder_id=acting)
                    message = f"{coder.name} is now {coder.role}."
                elif args.coder_command == "rename":
                    old = coder.name
                    coders.rename_coder(session, coder.id, args.new_name, by_coder_id=acting)
                    message = f"Renamed {old} to {coder.name}; their work goes with them."
                elif args.coder_command == "retire":
                    coders.retire_coder(session, coder.id, by_coder_id=acting)
                    message = f"Retired {coder.name}: their work stays, they can no longer code."
                else:
                    coders.restore_coder(session, coder.id, by_coder_id=acting)
                    message = f"{coder.name} can code again."
    finally:
        project.close()
    print(message)
    return 0


def _review(target: str | Path, args: argparse.Namespace) -> int:
    from annotator.services import reviews
    from annotator.store.project import open_project

    project = open_project(target)
    try:
        if args.review_command == "set":
            if not any((args.symbol, args.addendum, args.session, args.year)):
                raise ValueError("say what to set: --symbol, --addendum, --session or --year")
            info, warnings = reviews.set_review(
                project,
                args.which,
                session_number=args.session,
                year=args.year,
                report_symbol=args.symbol,
                responses_symbol=args.addendum,
            )
            for warning in warnings:
                print(f"warning: {warning}", file=sys.stderr)
            shown = [info]
        else:
            with project.session() as session:
                shown = reviews.list_reviews(session)
    finally:
        project.close()
    if not shown:
        print("The project has no reviews yet: import a review's recommendations first.")
    for info in shown:
        year = f"{info.year}" if info.year else "year unknown"
        print(
            f"{info.label}  {year}, {info.dates}; report {info.report_symbol or '(not set)'}, "
            f"addendum {info.responses_symbol or '(not set)'}; "
            f"{info.recommendations} recommendations"
        )
    return 0


def _gui(args: argparse.Namespace) -> int:
    from annotator.gui.app import run

    return run(db=args.db, coder=args.coder or getattr(args, "as_coder", None))


# Each subcommand's handler: (the --db target, the parsed arguments) -> exit status.
_HANDLERS: dict[str, Callable[[str | Path, argparse.Namespace], int]] = {
    "init": _init,
    "info": _info,
    "import": _import,
    "irr": _irr,
    "adjudicate": _adjudicate,
    "export": _export,
    "import-codes": _import_codes,
    "stats": _stats,
    "package": _package,
    "merge": _merge,
    "db": _db,
    "review": _review,
    "coder": _coder,
}


if __name__ == "__main__":
    # After _HANDLERS: `python -m annotator.cli` runs this module as __main__, top to bottom.
    sys.exit(main())
