-- A database of release 0.3 (main f3ef2ad, tables made by create_all, no alembic_version) with a few rows in
-- every table, stored by a short script through that release's own functions, then pg_dump --inserts --no-owner --no-privileges
-- (psql's \restrict lines dropped). Read by tests/cardsort/test_migrations.py; never regenerate it from newer code.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.audit_jobs (
    id character varying(32) NOT NULL,
    site text NOT NULL,
    status character varying(12) NOT NULL,
    request text NOT NULL,
    done integer NOT NULL,
    total integer NOT NULL,
    current_url text,
    cancel_requested boolean NOT NULL,
    error text,
    audit_id integer,
    owner character varying(32) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.audit_screenshots (
    audit_id integer NOT NULL,
    url text NOT NULL,
    rule character varying(100) NOT NULL,
    fingerprint character varying(64) NOT NULL,
    png bytea NOT NULL
);

CREATE TABLE public.audits (
    id integer NOT NULL,
    site text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone NOT NULL,
    standard character varying(20) NOT NULL,
    axe_version character varying(40) NOT NULL,
    pages integer NOT NULL,
    error_pages integer NOT NULL,
    violations integer NOT NULL,
    nodes integer NOT NULL,
    screen_reader_nodes integer NOT NULL,
    needs_review_nodes integer NOT NULL,
    report text NOT NULL
);

CREATE SEQUENCE public.audits_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audits_id_seq OWNED BY public.audits.id;

CREATE TABLE public.cards (
    study_id character varying(40) NOT NULL,
    id character varying(100) NOT NULL,
    "position" integer NOT NULL,
    label text NOT NULL,
    description text,
    image text
);

CREATE TABLE public.categories (
    study_id character varying(40) NOT NULL,
    id character varying(100) NOT NULL,
    "position" integer NOT NULL,
    label text NOT NULL
);

CREATE TABLE public.drafts (
    study_id character varying(40) NOT NULL,
    participant_id character varying(200) NOT NULL,
    state text NOT NULL,
    started_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.label_decisions (
    study_id character varying(40) NOT NULL,
    label_key text NOT NULL,
    standard_label text NOT NULL,
    status character varying(10) NOT NULL,
    decided_at timestamp with time zone NOT NULL
);

CREATE TABLE public.placements (
    sort_id integer NOT NULL,
    card_id character varying(100) NOT NULL,
    group_idx integer NOT NULL,
    "position" integer NOT NULL
);

CREATE TABLE public.screenouts (
    study_id character varying(40) NOT NULL,
    participant_id character varying(200) NOT NULL,
    at timestamp with time zone NOT NULL,
    question_id character varying(40) NOT NULL,
    answers text NOT NULL
);

CREATE TABLE public.sort_groups (
    sort_id integer NOT NULL,
    idx integer NOT NULL,
    label text NOT NULL,
    category_id character varying(100)
);

CREATE TABLE public.sort_tags (
    sort_id integer NOT NULL,
    name character varying(50) NOT NULL,
    value text NOT NULL
);

CREATE TABLE public.sorts (
    id integer NOT NULL,
    study_id character varying(40) NOT NULL,
    participant_id character varying(200) NOT NULL,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    answers text NOT NULL,
    excluded boolean NOT NULL
);

CREATE SEQUENCE public.sorts_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sorts_id_seq OWNED BY public.sorts.id;

CREATE TABLE public.studies (
    id character varying(40) NOT NULL,
    name text NOT NULL,
    kind character varying(10) NOT NULL,
    language character varying(35) NOT NULL,
    status character varying(10) NOT NULL,
    settings text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

CREATE TABLE public.study_notes (
    study_id character varying(40) NOT NULL,
    notes text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);

ALTER TABLE ONLY public.audits ALTER COLUMN id SET DEFAULT nextval('public.audits_id_seq'::regclass);

ALTER TABLE ONLY public.sorts ALTER COLUMN id SET DEFAULT nextval('public.sorts_id_seq'::regclass);

INSERT INTO public.audit_jobs VALUES ('af6f10722f3b4b229f091c91aa334d04', 'https://example.org', 'queued', '{"urls": ["https://example.org/"], "sitemap": null, "crawl": null, "standard": "wcag22aa", "best_practice": true, "workers": 1, "viewport": true, "cookies": [], "headers": [], "keyboard": true, "wait_ms": 0, "wait_for": null, "settle_quiet_ms": 500, "settle_cap_ms": 10000, "max_scrolls": 20, "config": null, "states": true}', 0, 1, NULL, false, NULL, NULL, '95204263aaa843d8b69a9097e24947ac', '2026-12-01 10:18:58.304658+00', '2026-12-01 10:18:58.304658+00');

INSERT INTO public.audit_screenshots VALUES (1, 'http://127.0.0.1:8000/shop.html', 'image-alt', 'c19c1ad6b740fbf4', '\x89504e470d0a1a0a00ff');

INSERT INTO public.audits VALUES (1, 'http://127.0.0.1:8000', '2026-11-02 09:00:00.123456+00', '2026-11-02 09:02:00.123456+00', 'wcag22aa', '4.10.2', 5, 1, 13, 14, 13, 1, '{"axe_version": "4.10.2", "standard": "wcag22aa", "pages": [{"url": "http://127.0.0.1:8000/shop.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "label", "impact": "critical", "tags": ["cat.forms", "wcag2a", "wcag412", "section508", "section508.22.n", "TTv5", "TT5.c", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "Form elements must have labels", "help_url": "https://dequeuniversity.com/rules/axe/4.10/label?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["input"], "html": "<input type=\"text\" name=\"q\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "ab2c2229528aa6bc"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-bdVaJa"], "html": "<a href=\"index.html\" class=\"sc-bdVaJa\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}, {"rule": "color-contrast", "impact": "serious", "tags": ["cat.color", "wcag2aa", "wcag143", "TTv5", "TT13.c", "EN-301-549", "EN-9.1.4.3", "ACT"], "help": "Elements must meet minimum color contrast ratio thresholds", "help_url": "https://dequeuniversity.com/rules/axe/4.10/color-contrast?application=axeAPI", "screen_reader": false, "source": "axe", "nodes": [{"target": ["p:nth-child(3)"], "html": "<p style=\"color:#aaaaaa;background:#ffffff\">Free delivery over 50 euros.</p>", "summary": "Fix any of the following:\n  Element has insufficient color contrast of 2.32 (foreground color: #aaaaaa, background color: #ffffff, font size: 12.0pt (16px), font weight: normal). Expected contrast ratio of 4.5:1", "fingerprint": "16be47e781117b46"}]}], "incomplete": [{"rule": "color-contrast", "impact": "serious", "tags": ["cat.color", "wcag2aa", "wcag143", "TTv5", "TT13.c", "EN-301-549", "EN-9.1.4.3", "ACT"], "help": "Elements must meet minimum color contrast ratio thresholds", "help_url": "https://dequeuniversity.com/rules/axe/4.10/color-contrast?application=axeAPI", "screen_reader": false, "source": "axe", "nodes": [{"target": ["p:nth-child(4)"], "html": "<p style=\"background-image:url(stripes.png);color:#777777\">Sale ends Sunday.</p>", "summary": "Fix any of the following:\n  Element''s background color could not be determined due to a background image", "fingerprint": "5d11db23af1a76c0"}]}]}, {"url": "http://127.0.0.1:8000/about.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "aria-command-name", "impact": "serious", "tags": ["cat.aria", "wcag2a", "wcag412", "TTv5", "TT6.a", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "ARIA commands must have an accessible name", "help_url": "https://dequeuniversity.com/rules/axe/4.10/aria-command-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["div"], "html": "<div role=\"button\" tabindex=\"0\" class=\"close\"></div>", "summary": "Fix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "310f8b513e5234f5"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-hKgILt"], "html": "<a href=\"index.html\" class=\"sc-hKgILt\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}, {"rule": "heading-order", "impact": "moderate", "tags": ["cat.semantics", "best-practice"], "help": "Heading levels should only increase by one", "help_url": "https://dequeuniversity.com/rules/axe/4.10/heading-order?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["h3"], "html": "<h3>Our team</h3>", "summary": "Fix any of the following:\n  Heading order invalid", "fingerprint": "0d96f453a6734b9f"}]}], "incomplete": []}, {"url": "http://127.0.0.1:8000/contact.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "label", "impact": "critical", "tags": ["cat.forms", "wcag2a", "wcag412", "section508", "section508.22.n", "TTv5", "TT5.c", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "Form elements must have labels", "help_url": "https://dequeuniversity.com/rules/axe/4.10/label?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["input[type=\"text\"]"], "html": "<input type=\"text\" name=\"name\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "7385fa437bb7fb86"}, {"target": ["input[type=\"email\"]"], "html": "<input type=\"email\" name=\"email\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "58c6037240487a87"}]}, {"rule": "document-title", "impact": "serious", "tags": ["cat.text-alternatives", "wcag2a", "wcag242", "TTv5", "TT12.a", "EN-301-549", "EN-9.2.4.2", "ACT"], "help": "Documents must have <title> element to aid in navigation", "help_url": "https://dequeuniversity.com/rules/axe/4.10/document-title?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["html"], "html": "<html>", "summary": "Fix any of the following:\n  Document does not have a non-empty <title> element", "fingerprint": "5de5d3f1b896e5dc"}]}, {"rule": "html-has-lang", "impact": "serious", "tags": ["cat.language", "wcag2a", "wcag311", "TTv5", "TT11.a", "EN-301-549", "EN-9.3.1.1", "ACT"], "help": "<html> element must have a lang attribute", "help_url": "https://dequeuniversity.com/rules/axe/4.10/html-has-lang?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["html"], "html": "<html>", "summary": "Fix any of the following:\n  The <html> element does not have a lang attribute", "fingerprint": "3c6bb5d1e14125f3"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-eCssSg"], "html": "<a href=\"index.html\" class=\"sc-eCssSg\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}], "incomplete": []}, {"url": "http://127.0.0.1:8000/clean.html", "status": "ok", "error": null, "violations": [], "incomplete": []}, {"url": "http://127.0.0.1:8000/gone.html", "status": "error", "error": "HTTP 404 Not Found", "violations": [], "incomplete": []}], "summary": {"pages": {"total": 5, "ok": 4, "error": 1}, "violations": 13, "nodes": 14, "by_impact": {"critical": {"violations": 5, "nodes": 6}, "serious": {"violations": 7, "nodes": 7}, "moderate": {"violations": 1, "nodes": 1}, "minor": {"violations": 0, "nodes": 0}}, "screen_reader": {"violations": 12, "nodes": 13}, "other": {"violations": 1, "nodes": 1}, "by_source": {"axe": {"violations": 13, "nodes": 14}, "custom": {"violations": 0, "nodes": 0}, "viewport": {"violations": 0, "nodes": 0}, "keyboard": {"violations": 0, "nodes": 0}}, "needs_review": {"violations": 1, "nodes": 1}, "components": 10, "top_rules": [{"rule": "image-alt", "impact": "critical", "screen_reader": true, "pages": 3, "nodes": 3}, {"rule": "link-name", "impact": "serious", "screen_reader": true, "pages": 3, "nodes": 3}, {"rule": "label", "impact": "critical", "screen_reader": true, "pages": 2, "nodes": 3}, {"rule": "aria-command-name", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "color-contrast", "impact": "serious", "screen_reader": false, "pages": 1, "nodes": 1}, {"rule": "document-title", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "heading-order", "impact": "moderate", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "html-has-lang", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}]}}');

INSERT INTO public.cards VALUES ('prevRelease1', 'c1', 0, 'Opening hours', NULL, NULL);
INSERT INTO public.cards VALUES ('prevRelease1', 'c2', 1, 'Renew a loan', 'Extend the due date', NULL);
INSERT INTO public.cards VALUES ('prevRelease1', 'c3', 2, 'Room booking', NULL, NULL);

INSERT INTO public.categories VALUES ('prevRelease1', 'k1', 0, 'Visit');
INSERT INTO public.categories VALUES ('prevRelease1', 'k2', 1, 'Borrow');

INSERT INTO public.drafts VALUES ('prevRelease1', 'p3', '{"groups": [{"label": "Half done", "cards": ["c1"]}]}', '2026-12-01 10:18:58.247313+00', '2026-12-01 10:18:58.247313+00');

INSERT INTO public.label_decisions VALUES ('prevRelease1', 'using the library', 'Visit', 'accepted', '2026-12-01 10:18:58.264528+00');

INSERT INTO public.placements VALUES (1, 'c1', 0, 0);
INSERT INTO public.placements VALUES (1, 'c3', 0, 1);
INSERT INTO public.placements VALUES (1, 'c2', 1, 0);
INSERT INTO public.placements VALUES (2, 'c1', 0, 0);
INSERT INTO public.placements VALUES (2, 'c2', 0, 1);
INSERT INTO public.placements VALUES (2, 'c3', 0, 2);

INSERT INTO public.screenouts VALUES ('prevRelease1', 'p4', '2026-12-01 10:18:58.257443+00', 'role', '{"role": "staff"}');

INSERT INTO public.sort_groups VALUES (1, 0, 'Visit', 'k1');
INSERT INTO public.sort_groups VALUES (1, 1, 'Borrow', 'k2');
INSERT INTO public.sort_groups VALUES (2, 0, 'Using the library', NULL);

INSERT INTO public.sort_tags VALUES (1, 'source', 'newsletter');

INSERT INTO public.sorts VALUES (1, 'prevRelease1', 'p1', '2026-11-02 09:00:00.123456+00', '2026-11-02 09:03:00.123456+00', '{"role": "student"}', false);
INSERT INTO public.sorts VALUES (2, 'prevRelease1', 'p2', '2026-11-02 10:00:00.123456+00', '2026-11-02 10:02:00.123456+00', '{"role": "student"}', true);

INSERT INTO public.studies VALUES ('prevRelease1', 'Library website (previous release)', 'hybrid', 'en', 'open', '{"randomize": true, "subset": null, "require_all_sorted": true, "require_names": true, "max_groups": null, "order_within_groups": false, "questions": [{"id": "role", "when": "pre", "type": "single", "text": "Your role?", "options": ["student", "staff"], "required": true, "screen_out": ["staff"]}]}', '2026-12-01 10:18:58.201006+00', '2026-12-01 10:18:58.277046+00');

INSERT INTO public.study_notes VALUES ('prevRelease1', 'Notes kept across the upgrade: ünïcødé too.', '2026-12-01 10:18:58.27665+00');

SELECT pg_catalog.setval('public.audits_id_seq', 1, true);

SELECT pg_catalog.setval('public.sorts_id_seq', 2, true);

ALTER TABLE ONLY public.audit_jobs
    ADD CONSTRAINT audit_jobs_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.audit_screenshots
    ADD CONSTRAINT audit_screenshots_pkey PRIMARY KEY (audit_id, url, rule, fingerprint);

ALTER TABLE ONLY public.audits
    ADD CONSTRAINT audits_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_pkey PRIMARY KEY (study_id, id);

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (study_id, id);

ALTER TABLE ONLY public.drafts
    ADD CONSTRAINT drafts_pkey PRIMARY KEY (study_id, participant_id);

ALTER TABLE ONLY public.label_decisions
    ADD CONSTRAINT label_decisions_pkey PRIMARY KEY (study_id, label_key);

ALTER TABLE ONLY public.sorts
    ADD CONSTRAINT one_sort_per_participant UNIQUE (study_id, participant_id);

ALTER TABLE ONLY public.placements
    ADD CONSTRAINT placements_pkey PRIMARY KEY (sort_id, card_id);

ALTER TABLE ONLY public.screenouts
    ADD CONSTRAINT screenouts_pkey PRIMARY KEY (study_id, participant_id);

ALTER TABLE ONLY public.sort_groups
    ADD CONSTRAINT sort_groups_pkey PRIMARY KEY (sort_id, idx);

ALTER TABLE ONLY public.sort_tags
    ADD CONSTRAINT sort_tags_pkey PRIMARY KEY (sort_id, name);

ALTER TABLE ONLY public.sorts
    ADD CONSTRAINT sorts_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.studies
    ADD CONSTRAINT studies_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.study_notes
    ADD CONSTRAINT study_notes_pkey PRIMARY KEY (study_id);

CREATE INDEX ix_audits_site ON public.audits USING btree (site);

ALTER TABLE ONLY public.audit_screenshots
    ADD CONSTRAINT audit_screenshots_audit_id_fkey FOREIGN KEY (audit_id) REFERENCES public.audits(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.cards
    ADD CONSTRAINT cards_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.drafts
    ADD CONSTRAINT drafts_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.label_decisions
    ADD CONSTRAINT label_decisions_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.placements
    ADD CONSTRAINT placements_sort_id_fkey FOREIGN KEY (sort_id) REFERENCES public.sorts(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.screenouts
    ADD CONSTRAINT screenouts_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sort_groups
    ADD CONSTRAINT sort_groups_sort_id_fkey FOREIGN KEY (sort_id) REFERENCES public.sorts(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sort_tags
    ADD CONSTRAINT sort_tags_sort_id_fkey FOREIGN KEY (sort_id) REFERENCES public.sorts(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.sorts
    ADD CONSTRAINT sorts_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.study_notes
    ADD CONSTRAINT study_notes_study_id_fkey FOREIGN KEY (study_id) REFERENCES public.studies(id) ON DELETE CASCADE;

