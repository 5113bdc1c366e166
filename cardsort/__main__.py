"""Command line: ``python -m cardsort analyze | study ... | report | demo | researcher-password | account ... |
auth-secrets | db ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import one_blas_thread

one_blas_thread()  # before NumPy is imported (by the modules below): its idle threads would spin

from . import formats  # noqa: E402
from .analysis import analyze  # noqa: E402
from .clustering import METHODS  # noqa: E402
from .table import SortTable  # noqa: E402

if TYPE_CHECKING:
    from .aam import AAMAnalysis
    from .analysis import Analysis

# The store (SQLAlchemy), auth and the study model are imported by the commands that use them,
# so that `analyze` starts fast.

EXIT_BAD_INPUT = 2
SEGMENT_HELP = ('only the sorts of this segment, e.g. \'{"answers": {"role": ["student"]}, "min_seconds": 60}\' '
                "(docs/architecture.md, Segments)")


def cli_actor() -> str:
    """Who the command line records as making its changes (:mod:`cardsort.changes`): ``cli:<user>``, the
    operating-system user running it (``cli`` when the system cannot tell)."""
    import getpass
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no LOGNAME/USER and no password-database entry (some containers)
        return "cli"
    return f"cli:{user}" if user else "cli"


def _segment(text: str):
    from .segments import segment_from_json
    try:
        return segment_from_json(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cardsort", description="Card-sort studies and analysis.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("analyze", help="analyse a results file (long CSV, Casolysis CSV or JSON)")
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="auto", choices=["auto", *formats.FORMATS])
    p.add_argument("--method", default="average", choices=[*METHODS, "aam"],
                   help="linkage method, or aam (Actual Agreement Method: JSON has \"tree\" instead of \"linkage\")")
    p.add_argument("--k", type=int, help="number of categories (default: best silhouette; not with aam)")
    p.add_argument("--min-agreement", type=float, default=0.5,
                   help="aam only: share of participants who must agree on a set to propose it (default 0.5)")
    p.add_argument("--json", action="store_true", help="print one JSON object (see docs/architecture.md, Contracts)")

    study = sub.add_parser("study", help="create, list, import into and export studies").add_subparsers(
        dest="study_command", required=True)
    p = study.add_parser("create", help="create a study from a JSON spec")
    p.add_argument("spec", type=Path)
    p = study.add_parser("list", help="list studies")
    p.add_argument("--json", action="store_true")
    p = study.add_parser("import", help="import earlier results into a study (one transaction)")
    p.add_argument("study_id")
    p.add_argument("file", type=Path)
    p.add_argument("--format", default="auto", choices=["auto", *formats.FORMATS])
    p = study.add_parser("export", help="export a study's sorts")
    p.add_argument("study_id")
    p.add_argument("--format", default="long", choices=[*formats.FORMATS, "similarity"])
    p.add_argument("--output", "-o", type=Path, help="write here instead of standard output")
    p.add_argument("--segment", type=_segment, default=None, metavar="JSON",
                   help=SEGMENT_HELP + " (default: every sort)")
    p = study.add_parser("cards", help="write a study's numbered cards as one printable HTML page (paper sorts)")
    p.add_argument("study_id")
    p.add_argument("--output", "-o", type=Path, help="write here instead of standard output")

    p = sub.add_parser("report", help="write a stakeholder report of a stored study (HTML, CSV or JSON)")
    p.add_argument("study_id")
    p.add_argument("--output", "-o", type=Path, required=True, help="file to write")
    p.add_argument("--format", default="html", choices=["html", "csv", "json"])
    p.add_argument("--method", default="average", choices=METHODS)
    p.add_argument("--k", type=int, help="number of categories (default: best silhouette)")
    p.add_argument("--segment", type=_segment, default=None, metavar="JSON",
                   help=SEGMENT_HELP + " (default: every included sort)")

    p = sub.add_parser("demo", help="seed the demo study")
    p.add_argument("--if-empty", action="store_true", help="only when the database has no study yet")

    db = sub.add_parser("db", help="the database schema: upgrade, current revision, check, new revision "
                        "(docs/architecture.md, Storage)").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="bring the database (DATABASE_URL) to the newest revision; safe to run "
                  "from several processes at once, and again")
    db.add_parser("current", help="print the database's revision and the newest one")
    db.add_parser("check", help="exit 1 when the code's tables differ from what the migrations make "
                  "(compared in a temporary SQLite database)")
    p = db.add_parser("revision", help="write the next revision in cardsort/migrations/versions/, its operations "
                      "autogenerated from the code's tables")
    p.add_argument("-m", "--message", required=True, help="what the revision changes, e.g. 'study invitations'")

    p = sub.add_parser("researcher-password",
                       help="make sure an admin account and a cookie secret exist; print the demo admin's sign-in")
    p.add_argument("--ensure", action="store_true")

    account = sub.add_parser("account", help="the researchers' accounts: add, list, change a role, disable"
                             ).add_subparsers(dest="account_command", required=True)
    p = account.add_parser("add", help="add an account: a password from the prompt or standard input, or --invite")
    p.add_argument("email")
    p.add_argument("--role", required=True, help="admin, researcher or viewer")
    p.add_argument("--name", default="")
    p.add_argument("--invite", action="store_true",
                   help="no password: print a one-time invite link (7 days) where the person chooses one")
    p.add_argument("--url", default="http://localhost:8501", help="the app's address, for the invite link")
    p = account.add_parser("list", help="list the accounts")
    p.add_argument("--json", action="store_true")
    p = account.add_parser("role", help="change an account's role")
    p.add_argument("email")
    p.add_argument("role")
    p = account.add_parser("password", help="set an account's password (prompt or standard input); signs it out")
    p.add_argument("email")
    p = account.add_parser("disable", help="disable an account: no more sign-in, its sessions end")
    p.add_argument("email")

    p = sub.add_parser("auth-secrets",
                       help="write the identity provider's OIDC_* settings and COOKIE_SECRET into the [auth] table "
                            "of .streamlit/secrets.toml, where Streamlit's sign-in reads them")
    p.add_argument("--secrets-file", type=Path, default=None,
                   help="the secrets file to write (default: .streamlit/secrets.toml)")
    return parser


def _summary(result, source: str) -> str:
    if result.method == "aam":
        method = (f"Method: Actual Agreement Method; {result.k} categories "
                  f"(sets at least {result.min_height:.0%} of participants made)")
    else:
        method = (f"Method: {result.method} linkage; {result.k} categories"
                  + (" (best silhouette)" if result.k_chosen_automatically else " (--k)"))
    lines = [f"{source}: {result.n_participants} participants, {len(result.cards)} cards", method, ""]
    for i, cat in enumerate(result.categories, start=1):
        alts = ", ".join(f"{a['name']} {a['share']:.0%}" for a in cat.alternatives)
        lines.append(f"{i}. {cat.name}  (named by {cat.name_share:.0%}; agreement {cat.agreement:.2f})"
                     + (f"  also: {alts}" if alts else ""))
        lines.extend(f"     - {card}" for card in cat.cards)
    return "\n".join(lines)


def _analyze(args) -> int:
    parsed = formats.read_file(args.file, args.format)
    table = parsed.table([(c.id, c.label) for c in parsed.study.cards] if parsed.study else None)
    if args.k is not None and not 1 <= args.k <= table.n_cards:
        raise ValueError(f"--k must be between 1 and the number of cards ({table.n_cards}), not {args.k}")
    result: Analysis | AAMAnalysis
    if args.method == "aam":
        if args.k is not None:
            raise ValueError("--k does not apply to --method aam; use --min-agreement (0-1) instead")
        from .aam import analyze_aam
        result = analyze_aam(table, min_height=args.min_agreement)
    else:
        result = analyze(table, method=args.method, k=args.k)
    if args.json:
        # dumps, not dump: dump streams through json's pure-Python encoder, dumps uses the C one
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n")
    else:
        print(_summary(result, args.file.name))
    return 0


def _report(args) -> int:
    from . import store
    from .report import load_report, render
    engine = store.make_engine()
    study = store.get_study(engine, args.study_id)
    if args.k is not None and not 1 <= args.k <= len(study.cards):
        raise ValueError(f"--k must be between 1 and the number of cards ({len(study.cards)}), not {args.k}")
    options = {"segment": args.segment} if args.segment is not None else {}
    text = render(load_report(engine, study.id, method=args.method, k=args.k, **options), args.format)
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as err:
        raise ValueError(f"{args.output}: cannot write the report ({err.strerror})") from None
    print(f"wrote the {args.format} report of {study.name!r} to {args.output}")
    return 0


def _study(args) -> int:
    from . import store
    engine = store.make_engine()
    if args.study_command == "create":
        from .model import study_from_spec
        try:
            spec = json.loads(args.spec.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as err:
            raise ValueError(f"{args.spec}: cannot read the spec ({err})") from None
        except json.JSONDecodeError as err:
            raise ValueError(f"{args.spec}, line {err.lineno}: not valid JSON ({err.msg})") from None
        try:
            study = study_from_spec(spec, store.new_study_id())
        except ValueError as err:
            raise ValueError(f"{args.spec}: {err}") from None
        store.create_study(engine, study, actor=cli_actor())
        print(json.dumps({"study_id": study.id, "participant_path": study.participant_path}))
    elif args.study_command == "list":
        rows = store.list_studies(engine, include_archived=True)
        if args.json:
            print(json.dumps(rows, default=str, ensure_ascii=False))
        for r in [] if args.json else rows:
            print(f"{r['id']}  {r['status']:<6} {r['kind']:<6} {r['language']:<5} "
                  f"{r['cards']:>4} cards {r['participants']:>5} sorts  {r['name']}")
    elif args.study_command == "import":
        study = store.get_study(engine, args.study_id)
        parsed = formats.read_file(args.file, args.format)
        sorts = formats.sorts_for_study(parsed, study, source=args.file.name)
        n = store.import_sorts(engine, study.id, sorts, actor=cli_actor(), source=args.file.name)
        print(f"imported {n} sorts into {study.name!r}")
    elif args.study_command == "export":
        study = store.get_study(engine, args.study_id)
        sorts = store.load_sorts(engine, study.id)
        if args.segment is not None:
            sorts = [s for s in sorts if args.segment.matches(s)]
        if args.format == "similarity":
            from .similarity import similarity_matrix
            table = SortTable.from_frame(formats.frame_from_sorts(study, sorts),
                                         [(c.id, c.label) for c in study.cards])
            text = formats.export_similarity(list(table.cards), similarity_matrix(table))
        else:
            text = formats.export(study, sorts, args.format)
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
    elif args.study_command == "cards":
        from .paper import render_cards
        study = store.get_study(engine, args.study_id)
        text = render_cards(study)
        if args.output is None:
            sys.stdout.write(text)
            return 0
        try:
            args.output.write_text(text, encoding="utf-8")
        except OSError as err:
            raise ValueError(f"{args.output}: cannot write the cards ({err.strerror})") from None
        print(f"wrote {len(study.cards)} cards of {study.name!r} to {args.output}")
    return 0


def _demo(args) -> int:
    from . import store
    from .demo import demo_sorts, demo_study
    engine = store.make_engine()
    if args.if_empty and not store.is_empty(engine):
        return 0
    study = store.create_study(engine, demo_study(store.new_study_id()), actor=cli_actor())
    store.import_sorts(engine, study.id, demo_sorts(study), actor=cli_actor(), source="the demo")
    print(f"demo study {study.name!r}: participant link {study.participant_path}")
    return 0


def _password(args) -> int:
    from . import accounts, auth, store
    if auth.ensure_cookie_secret(store.SECRETS_FILE):
        print(f"Generated the sign-in cookie secret ({auth.COOKIE_SECRET_KEY} in {store.SECRETS_FILE}).")
    demo = accounts.ensure_demo_admin(store.make_engine(), Path("data/researcher-password"))
    if demo:
        print(f"Sign in as {demo[0]} with the password {demo[1]} (the demo admin; add your team on the Accounts page)")
    return 0


def _read_password() -> str:
    """A password typed twice at a terminal, or the first line of standard input."""
    if sys.stdin.isatty():
        import getpass
        first = getpass.getpass("Password: ")
        if getpass.getpass("The same password again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _account(args) -> int:
    from . import accounts, settings, store
    engine = store.make_engine()
    command = args.account_command
    if command == "list":
        rows = accounts.list_accounts(engine)
        if args.json:
            print(json.dumps([dict(r, created_at=r["created_at"].isoformat(), disabled_at=r["disabled_at"]
                                   and r["disabled_at"].isoformat()) for r in rows], indent=2))
        for r in [] if args.json else rows:
            state = "disabled" if r["disabled_at"] else ("active" if r["has_password"] else "invited")
            print(f"{r['email']}\t{r['role']}\t{state}\t{r['name']}")
        return 0
    if command == "add":
        if args.invite:
            secret = settings.text("COOKIE_SECRET", secrets=store.SECRETS_FILE)
            if not secret:
                raise ValueError("an invite link needs COOKIE_SECRET (or cookie_secret in .streamlit/secrets.toml), "
                                 "the same as the app's: `make run` writes one")
            account = accounts.create(engine, args.email, args.role, name=args.name)
            print(f"Invited {account.email} as {account.role}. Send this link (it works once, for "
                  f"{accounts.INVITE_DAYS} days):")
            print(f"{args.url.rstrip('/')}/?invite={accounts.invite_token(secret, account)}")
            return 0
        accounts.check_role(args.role)
        accounts.normalise_email(args.email)
        account = accounts.create(engine, args.email, args.role, name=args.name, password=_read_password())
        print(f"Added {account.email} as {account.role}.")
        return 0
    found = accounts.find_by_email(engine, args.email)
    if found is None:
        raise ValueError(f"no active account for {args.email}")
    if command == "role":
        print(f"{found.email} is now {accounts.set_role(engine, found.id, args.role).role}.")
    elif command == "password":
        accounts.set_password(engine, found.id, _read_password())
        print(f"Set the password of {found.email}; its sessions elsewhere have ended.")
    else:
        accounts.disable(engine, found.id)
        print(f"Disabled {found.email}.")
    return 0


def _auth_secrets(args) -> int:
    from . import oidc, settings
    path = args.secrets_file or settings.SECRETS_FILE
    wanted = oidc.provider(secrets=path)
    if wanted is None:
        print("No identity provider is set (OIDC_SERVER_METADATA_URL): nothing to write.")
        return 0
    changed = oidc.write_auth_section(path, wanted)
    print(f"{'Wrote' if changed else 'Kept'} the [auth] table of {path} for {wanted.name} "
          f"({wanted.server_metadata_url}).")
    return 0


def _db(args) -> int:
    from . import migrate, store
    if args.db_command == "check":
        found = migrate.differences()
        for difference in found:
            print(difference)
        print(f"{len(found)} differences between the code's tables and the migrations" if found
              else f"the migrations (newest {migrate.head()}) make exactly the code's tables")
        return 1 if found else 0
    if args.db_command == "revision":
        path = migrate.new_revision(args.message)
        print(f"wrote {path}: read its operations before committing it")
        return 0
    engine = store.make_engine(upgrade=False)
    try:
        if args.db_command == "current":
            print(f"database: {migrate.current(engine) or 'none (empty, or made before migrations)'}; "
                  f"newest: {migrate.head()}")
            return 0
        done = migrate.upgrade(engine)
    finally:
        engine.dispose()
    if done.adopted:
        print(f"adopted a database made before migrations: kept its tables, now at {done.after}")
    elif done.changed:
        print(f"upgraded the database from {done.before or 'empty'} to {done.after}")
    else:
        print(f"the database is already at the newest revision, {done.after}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers = {"analyze": _analyze, "study": _study, "report": _report, "demo": _demo,
                "researcher-password": _password, "account": _account, "auth-secrets": _auth_secrets, "db": _db}
    try:
        return handlers[args.command](args)
    except (ValueError, LookupError) as err:  # LookupError: store.NotFound
        message = err.args[0] if isinstance(err, LookupError) else str(err)
        print(f"error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
