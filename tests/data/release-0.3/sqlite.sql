-- A database of release 0.3 (main f3ef2ad, tables made by create_all, no alembic_version) with a few rows in
-- every table, stored by a short script through that release's own functions, then sqlite3 .dump.
-- Read by tests/cardsort/test_migrations.py; never regenerate it from newer code.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE studies (
	id VARCHAR(40) NOT NULL, 
	name TEXT NOT NULL, 
	kind VARCHAR(10) NOT NULL, 
	language VARCHAR(35) NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	settings TEXT NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO studies VALUES('prevRelease1','Library website (previous release)','hybrid','en','open','{"randomize": true, "subset": null, "require_all_sorted": true, "require_names": true, "max_groups": null, "order_within_groups": false, "questions": [{"id": "role", "when": "pre", "type": "single", "text": "Your role?", "options": ["student", "staff"], "required": true, "screen_out": ["staff"]}]}','2026-12-01 10:18:52.305667','2026-12-01 10:18:52.317344');
CREATE TABLE cards (
	study_id VARCHAR(40) NOT NULL, 
	id VARCHAR(100) NOT NULL, 
	position INTEGER NOT NULL, 
	label TEXT NOT NULL, 
	description TEXT, 
	image TEXT, 
	PRIMARY KEY (study_id, id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO cards VALUES('prevRelease1','c1',0,'Opening hours',NULL,NULL);
INSERT INTO cards VALUES('prevRelease1','c2',1,'Renew a loan','Extend the due date',NULL);
INSERT INTO cards VALUES('prevRelease1','c3',2,'Room booking',NULL,NULL);
CREATE TABLE categories (
	study_id VARCHAR(40) NOT NULL, 
	id VARCHAR(100) NOT NULL, 
	position INTEGER NOT NULL, 
	label TEXT NOT NULL, 
	PRIMARY KEY (study_id, id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO categories VALUES('prevRelease1','k1',0,'Visit');
INSERT INTO categories VALUES('prevRelease1','k2',1,'Borrow');
CREATE TABLE drafts (
	study_id VARCHAR(40) NOT NULL, 
	participant_id VARCHAR(200) NOT NULL, 
	state TEXT NOT NULL, 
	started_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (study_id, participant_id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO drafts VALUES('prevRelease1','p3','{"groups": [{"label": "Half done", "cards": ["c1"]}]}','2026-12-01 10:18:52.313323','2026-12-01 10:18:52.313323');
CREATE TABLE sorts (
	id INTEGER NOT NULL, 
	study_id VARCHAR(40) NOT NULL, 
	participant_id VARCHAR(200) NOT NULL, 
	started_at DATETIME, 
	finished_at DATETIME, 
	answers TEXT NOT NULL, 
	excluded BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT one_sort_per_participant UNIQUE (study_id, participant_id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO sorts VALUES(1,'prevRelease1','p1','2026-11-02 09:00:00.123456','2026-11-02 09:03:00.123456','{"role": "student"}',0);
INSERT INTO sorts VALUES(2,'prevRelease1','p2','2026-11-02 10:00:00.123456','2026-11-02 10:02:00.123456','{"role": "student"}',1);
CREATE TABLE screenouts (
	study_id VARCHAR(40) NOT NULL, 
	participant_id VARCHAR(200) NOT NULL, 
	at DATETIME NOT NULL, 
	question_id VARCHAR(40) NOT NULL, 
	answers TEXT NOT NULL, 
	PRIMARY KEY (study_id, participant_id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO screenouts VALUES('prevRelease1','p4','2026-12-01 10:18:52.315298','role','{"role": "staff"}');
CREATE TABLE label_decisions (
	study_id VARCHAR(40) NOT NULL, 
	label_key TEXT NOT NULL, 
	standard_label TEXT NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	decided_at DATETIME NOT NULL, 
	PRIMARY KEY (study_id, label_key), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO label_decisions VALUES('prevRelease1','using the library','Visit','accepted','2026-12-01 10:18:52.316295');
CREATE TABLE study_notes (
	study_id VARCHAR(40) NOT NULL, 
	notes TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (study_id), 
	FOREIGN KEY(study_id) REFERENCES studies (id) ON DELETE CASCADE
);
INSERT INTO study_notes VALUES('prevRelease1','Notes kept across the upgrade: ünïcødé too.','2026-12-01 10:18:52.317265');
CREATE TABLE sort_groups (
	sort_id INTEGER NOT NULL, 
	idx INTEGER NOT NULL, 
	label TEXT NOT NULL, 
	category_id VARCHAR(100), 
	PRIMARY KEY (sort_id, idx), 
	FOREIGN KEY(sort_id) REFERENCES sorts (id) ON DELETE CASCADE
);
INSERT INTO sort_groups VALUES(1,0,'Visit','k1');
INSERT INTO sort_groups VALUES(1,1,'Borrow','k2');
INSERT INTO sort_groups VALUES(2,0,'Using the library',NULL);
CREATE TABLE placements (
	sort_id INTEGER NOT NULL, 
	card_id VARCHAR(100) NOT NULL, 
	group_idx INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (sort_id, card_id), 
	FOREIGN KEY(sort_id) REFERENCES sorts (id) ON DELETE CASCADE
);
INSERT INTO placements VALUES(1,'c1',0,0);
INSERT INTO placements VALUES(1,'c3',0,1);
INSERT INTO placements VALUES(1,'c2',1,0);
INSERT INTO placements VALUES(2,'c1',0,0);
INSERT INTO placements VALUES(2,'c2',0,1);
INSERT INTO placements VALUES(2,'c3',0,2);
CREATE TABLE sort_tags (
	sort_id INTEGER NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	value TEXT NOT NULL, 
	PRIMARY KEY (sort_id, name), 
	FOREIGN KEY(sort_id) REFERENCES sorts (id) ON DELETE CASCADE
);
INSERT INTO sort_tags VALUES(1,'source','newsletter');
CREATE TABLE audits (
	id INTEGER NOT NULL, 
	site TEXT NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME NOT NULL, 
	standard VARCHAR(20) NOT NULL, 
	axe_version VARCHAR(40) NOT NULL, 
	pages INTEGER NOT NULL, 
	error_pages INTEGER NOT NULL, 
	violations INTEGER NOT NULL, 
	nodes INTEGER NOT NULL, 
	screen_reader_nodes INTEGER NOT NULL, 
	needs_review_nodes INTEGER NOT NULL, 
	report TEXT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO audits VALUES(1,'http://127.0.0.1:8000','2026-11-02 09:00:00.123456','2026-11-02 09:02:00.123456','wcag22aa','4.10.2',5,1,13,14,13,1,'{"axe_version": "4.10.2", "standard": "wcag22aa", "pages": [{"url": "http://127.0.0.1:8000/shop.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "label", "impact": "critical", "tags": ["cat.forms", "wcag2a", "wcag412", "section508", "section508.22.n", "TTv5", "TT5.c", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "Form elements must have labels", "help_url": "https://dequeuniversity.com/rules/axe/4.10/label?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["input"], "html": "<input type=\"text\" name=\"q\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "ab2c2229528aa6bc"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-bdVaJa"], "html": "<a href=\"index.html\" class=\"sc-bdVaJa\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}, {"rule": "color-contrast", "impact": "serious", "tags": ["cat.color", "wcag2aa", "wcag143", "TTv5", "TT13.c", "EN-301-549", "EN-9.1.4.3", "ACT"], "help": "Elements must meet minimum color contrast ratio thresholds", "help_url": "https://dequeuniversity.com/rules/axe/4.10/color-contrast?application=axeAPI", "screen_reader": false, "source": "axe", "nodes": [{"target": ["p:nth-child(3)"], "html": "<p style=\"color:#aaaaaa;background:#ffffff\">Free delivery over 50 euros.</p>", "summary": "Fix any of the following:\n  Element has insufficient color contrast of 2.32 (foreground color: #aaaaaa, background color: #ffffff, font size: 12.0pt (16px), font weight: normal). Expected contrast ratio of 4.5:1", "fingerprint": "16be47e781117b46"}]}], "incomplete": [{"rule": "color-contrast", "impact": "serious", "tags": ["cat.color", "wcag2aa", "wcag143", "TTv5", "TT13.c", "EN-301-549", "EN-9.1.4.3", "ACT"], "help": "Elements must meet minimum color contrast ratio thresholds", "help_url": "https://dequeuniversity.com/rules/axe/4.10/color-contrast?application=axeAPI", "screen_reader": false, "source": "axe", "nodes": [{"target": ["p:nth-child(4)"], "html": "<p style=\"background-image:url(stripes.png);color:#777777\">Sale ends Sunday.</p>", "summary": "Fix any of the following:\n  Element''s background color could not be determined due to a background image", "fingerprint": "5d11db23af1a76c0"}]}]}, {"url": "http://127.0.0.1:8000/about.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "aria-command-name", "impact": "serious", "tags": ["cat.aria", "wcag2a", "wcag412", "TTv5", "TT6.a", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "ARIA commands must have an accessible name", "help_url": "https://dequeuniversity.com/rules/axe/4.10/aria-command-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["div"], "html": "<div role=\"button\" tabindex=\"0\" class=\"close\"></div>", "summary": "Fix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "310f8b513e5234f5"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-hKgILt"], "html": "<a href=\"index.html\" class=\"sc-hKgILt\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}, {"rule": "heading-order", "impact": "moderate", "tags": ["cat.semantics", "best-practice"], "help": "Heading levels should only increase by one", "help_url": "https://dequeuniversity.com/rules/axe/4.10/heading-order?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["h3"], "html": "<h3>Our team</h3>", "summary": "Fix any of the following:\n  Heading order invalid", "fingerprint": "0d96f453a6734b9f"}]}], "incomplete": []}, {"url": "http://127.0.0.1:8000/contact.html", "status": "ok", "error": null, "violations": [{"rule": "image-alt", "impact": "critical", "tags": ["cat.text-alternatives", "wcag2a", "wcag111", "section508", "section508.22.a", "TTv5", "TT7.a", "TT7.b", "EN-301-549", "EN-9.1.1.1", "ACT"], "help": "Images must have alternative text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["img"], "html": "<img src=\"logo.png\" width=\"120\" height=\"40\">", "summary": "Fix any of the following:\n  Element does not have an alt attribute\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "c19c1ad6b740fbf4"}]}, {"rule": "label", "impact": "critical", "tags": ["cat.forms", "wcag2a", "wcag412", "section508", "section508.22.n", "TTv5", "TT5.c", "EN-301-549", "EN-9.4.1.2", "ACT"], "help": "Form elements must have labels", "help_url": "https://dequeuniversity.com/rules/axe/4.10/label?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["input[type=\"text\"]"], "html": "<input type=\"text\" name=\"name\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "7385fa437bb7fb86"}, {"target": ["input[type=\"email\"]"], "html": "<input type=\"email\" name=\"email\">", "summary": "Fix any of the following:\n  Element does not have an implicit (wrapped) <label>\n  Element does not have an explicit <label>\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute\n  Element has no placeholder attribute\n  Element''s default semantics were not overridden with role=\"none\" or role=\"presentation\"", "fingerprint": "58c6037240487a87"}]}, {"rule": "document-title", "impact": "serious", "tags": ["cat.text-alternatives", "wcag2a", "wcag242", "TTv5", "TT12.a", "EN-301-549", "EN-9.2.4.2", "ACT"], "help": "Documents must have <title> element to aid in navigation", "help_url": "https://dequeuniversity.com/rules/axe/4.10/document-title?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["html"], "html": "<html>", "summary": "Fix any of the following:\n  Document does not have a non-empty <title> element", "fingerprint": "5de5d3f1b896e5dc"}]}, {"rule": "html-has-lang", "impact": "serious", "tags": ["cat.language", "wcag2a", "wcag311", "TTv5", "TT11.a", "EN-301-549", "EN-9.3.1.1", "ACT"], "help": "<html> element must have a lang attribute", "help_url": "https://dequeuniversity.com/rules/axe/4.10/html-has-lang?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": ["html"], "html": "<html>", "summary": "Fix any of the following:\n  The <html> element does not have a lang attribute", "fingerprint": "3c6bb5d1e14125f3"}]}, {"rule": "link-name", "impact": "serious", "tags": ["cat.name-role-value", "wcag2a", "wcag244", "wcag412", "section508", "section508.22.a", "TTv5", "TT6.a", "EN-301-549", "EN-9.2.4.4", "EN-9.4.1.2", "ACT"], "help": "Links must have discernible text", "help_url": "https://dequeuniversity.com/rules/axe/4.10/link-name?application=axeAPI", "screen_reader": true, "source": "axe", "nodes": [{"target": [".sc-eCssSg"], "html": "<a href=\"index.html\" class=\"sc-eCssSg\"><img src=\"logo.png\" width=\"120\" height=\"40\"></a>", "summary": "Fix all of the following:\n  Element is in tab order and does not have accessible text\n\nFix any of the following:\n  Element does not have text that is visible to screen readers\n  aria-label attribute does not exist or is empty\n  aria-labelledby attribute does not exist, references elements that do not exist or references elements that are empty\n  Element has no title attribute", "fingerprint": "7951a230afb67df2"}]}], "incomplete": []}, {"url": "http://127.0.0.1:8000/clean.html", "status": "ok", "error": null, "violations": [], "incomplete": []}, {"url": "http://127.0.0.1:8000/gone.html", "status": "error", "error": "HTTP 404 Not Found", "violations": [], "incomplete": []}], "summary": {"pages": {"total": 5, "ok": 4, "error": 1}, "violations": 13, "nodes": 14, "by_impact": {"critical": {"violations": 5, "nodes": 6}, "serious": {"violations": 7, "nodes": 7}, "moderate": {"violations": 1, "nodes": 1}, "minor": {"violations": 0, "nodes": 0}}, "screen_reader": {"violations": 12, "nodes": 13}, "other": {"violations": 1, "nodes": 1}, "by_source": {"axe": {"violations": 13, "nodes": 14}, "custom": {"violations": 0, "nodes": 0}, "viewport": {"violations": 0, "nodes": 0}, "keyboard": {"violations": 0, "nodes": 0}}, "needs_review": {"violations": 1, "nodes": 1}, "components": 10, "top_rules": [{"rule": "image-alt", "impact": "critical", "screen_reader": true, "pages": 3, "nodes": 3}, {"rule": "link-name", "impact": "serious", "screen_reader": true, "pages": 3, "nodes": 3}, {"rule": "label", "impact": "critical", "screen_reader": true, "pages": 2, "nodes": 3}, {"rule": "aria-command-name", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "color-contrast", "impact": "serious", "screen_reader": false, "pages": 1, "nodes": 1}, {"rule": "document-title", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "heading-order", "impact": "moderate", "screen_reader": true, "pages": 1, "nodes": 1}, {"rule": "html-has-lang", "impact": "serious", "screen_reader": true, "pages": 1, "nodes": 1}]}}');
CREATE TABLE audit_jobs (
	id VARCHAR(32) NOT NULL, 
	site TEXT NOT NULL, 
	status VARCHAR(12) NOT NULL, 
	request TEXT NOT NULL, 
	done INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	current_url TEXT, 
	cancel_requested BOOLEAN NOT NULL, 
	error TEXT, 
	audit_id INTEGER, 
	owner VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO audit_jobs VALUES('eeb682d7a3c84ba8843ebdf6d54ab0c7','https://example.org','queued','{"urls": ["https://example.org/"], "sitemap": null, "crawl": null, "standard": "wcag22aa", "best_practice": true, "workers": 1, "viewport": true, "cookies": [], "headers": [], "keyboard": true, "wait_ms": 0, "wait_for": null, "settle_quiet_ms": 500, "settle_cap_ms": 10000, "max_scrolls": 20, "config": null, "states": true}',0,1,NULL,0,NULL,NULL,'f9a614a35b094d3ba8255a684f77d175','2026-12-01 10:18:52.323781','2026-12-01 10:18:52.323781');
CREATE TABLE audit_screenshots (
	audit_id INTEGER NOT NULL, 
	url TEXT NOT NULL, 
	rule VARCHAR(100) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	png BLOB NOT NULL, 
	PRIMARY KEY (audit_id, url, rule, fingerprint), 
	FOREIGN KEY(audit_id) REFERENCES audits (id) ON DELETE CASCADE
);
INSERT INTO audit_screenshots VALUES(1,'http://127.0.0.1:8000/shop.html','image-alt','c19c1ad6b740fbf4',X'89504e470d0a1a0a00ff');
CREATE INDEX ix_audits_site ON audits (site);
COMMIT;
