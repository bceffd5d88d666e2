# jianbao — everything a developer or CI needs is one of these targets.
# `make run` and `make test` each do their own set-up on a fresh Debian 12
# machine (as root, or with sudo for the Debian packages).

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv/bin
BIND ?= 127.0.0.1:8000

# Debian packages the app needs at run time: CJK fonts for the PDF renderer,
# poppler-utils (pdftotext, pdftoppm) for reading and previewing PDFs,
# tesseract with its Chinese data and ghostscript for OCR of scans (ocrmypdf),
# LibreOffice's writer for Word 97 .doc and WPS files.
DEB_PACKAGES := fonts-noto-cjk fonts-arphic-ukai fonts-lxgw-wenkai fonts-hanazono fonts-dejavu-core \
	poppler-utils tesseract-ocr tesseract-ocr-chi-sim ghostscript libreoffice-writer-nogui
# `make test` adds its own, so that a fresh machine runs apt-get once.
test: DEB_PACKAGES += postgresql-15 postgresql-client-15 postgresql-15-rum chromium dovecot-imapd redis-server nginx

.PHONY: help install venv run test lint fmt clean bench samples

help:
	@echo "make run     set up, migrate, load the sample bulletin, serve on http://$(BIND)/"
	@echo "make test    set up, lint, run the tests on SQLite and on a throwaway PostgreSQL 15"
	@echo "make install Debian packages, uv and .venv/ only"
	@echo "make lint    ruff check, ruff format --check and the layers contract (lint-imports)"
	@echo "make fmt     sort imports and format the code with ruff"
	@echo "make clean   remove .venv/ and var/ (the SQLite database and uploads too)"
	@echo "make samples render pages 1 and 3 of the sample issue's PDF to docs/*.png"

install:
	scripts/apt-ensure $(DEB_PACKAGES)
	scripts/ensure-venv

# Just .venv/ (uv sync --frozen): all that lint and fmt need.
venv:
	scripts/ensure-venv

run: install
	$(VENV)/jianbao migrate --noinput
	$(VENV)/jianbao collectstatic --noinput
	$(VENV)/jianbao bootstrap --demo-team
	BIND=$(BIND) scripts/serve

# The suite runs on every core (pytest-xdist), at most four: each worker has its
# own test database (and, for the browser tests, its own chromium). Modules that
# read one costly fixture (the OCR of a whole scan) keep to one worker (xdist_group).
# The 25 slowest tests are listed at the end, to keep the suite within its budget.
TEST_WORKERS ?= auto
PYTEST := $(VENV)/pytest -n $(TEST_WORKERS) --maxprocesses=4 --dist loadgroup --durations=25

test: install
	$(VENV)/ruff check .
	$(VENV)/lint-imports --no-cache
	env -u DATABASE_URL $(PYTEST) -m "not scale and not postgres"
	scripts/pg-test-server run $(PYTEST) -m "not browser and not nodb"

lint: venv
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/lint-imports --no-cache

fmt: venv
	$(VENV)/ruff check --select I --fix .
	$(VENV)/ruff format .

clean:
	rm -rf .venv var

# Preview pictures of the PDF layout, from the sample issue (no database needed),
# and the golden pictures the tests compare the PDF with (tests/golden/): run it
# when a layout change is meant, and commit the pictures with the change.
SAMPLE_DPI ?= 70
samples: install
	mkdir -p docs var
	$(VENV)/python -c "import os, sys, django; \
	os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jianbao.settings'); django.setup(); \
	from jianbao.publishing.ingest.text import parse_bulletin_text; \
	from jianbao.publishing.render.pdf import render_pdf; \
	text = open('samples/2023-01.md', encoding='utf-8').read(); \
	sys.stdout.buffer.write(render_pdf(parse_bulletin_text(text, source='2023-01.md')))" \
	> var/sample.pdf
	pdftoppm -r $(SAMPLE_DPI) -png -f 1 -l 1 -singlefile var/sample.pdf docs/sample-page-1
	pdftoppm -r $(SAMPLE_DPI) -png -f 3 -l 3 -singlefile var/sample.pdf docs/sample-page-3
	$(VENV)/python -m tests.golden

# Benchmarks print their figures; they are not part of `make test`.
bench: install
	scripts/apt-ensure wrk
	$(VENV)/python bench/render.py
	$(VENV)/python bench/proof.py
	$(VENV)/python bench/mail.py
	$(VENV)/python bench/search.py --sizes 100000
	bench/web.sh
	bench/lighthouse.sh
