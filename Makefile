# Every install step lives here: CI runs `make test` on a clean clone with only package registries.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

# node_modules/.bin first: the pinned CDK CLI and the Node 22 binary from npm (jsii runs on it too).
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(BIN):$(PATH)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 1
# No network beyond package registries: no CLI version checks, notices or telemetry.
export CDK_DISABLE_VERSION_CHECK := true
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := npx --no-install cdk --no-notices
# The config every target reads: a YAML file or a directory of them (`make synth CONFIG=config/org/`).
CONFIG ?= config/example.yaml

.PHONY: install synth validate test check e2e lint bench schema snapshots preview clean demo checkov report-png
.DEFAULT_GOAL := synth

$(PY_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

install: $(PY_STAMP) $(NPM_STAMP)

# The app with cdk.json's context writes exactly what `cdk synth` writes (tests/stacks/test_app_entry_point.py),
# without the CLI's notices.
synth: install
	@rm -rf cdk.out
	$(BIN)/python app.py -c config=$(CONFIG)
	@$(BIN)/python -m cli.synth_summary cdk.out

validate: install
	$(BIN)/genai-guardrails validate $(CONFIG)

test: synth lint
	$(BIN)/python -m pytest
	$(BIN)/cfn-lint cdk.out/*.template.json
	@if ls cdk.out/*.nested.template.json >/dev/null 2>&1; then $(BIN)/cfn-lint cdk.out/*.nested.template.json; fi
	$(MAKE) --no-print-directory e2e

# Everything a reviewer runs: the tests and linters, and generated files (schema, template snapshots) current.
check: test
	$(BIN)/python -m cli.schema config/schema.json
	$(BIN)/python -m pytest -q tests/stacks/test_snapshots.py --snapshot-update
	git diff --exit-code -- config/schema.json tests/snapshots

# tests/e2e runs only when named (tests/e2e/conftest.py): the runtime pipeline on moto's server (~10 s), the
# README's deploy commands with the pinned CDK CLI against moto's server for the example config (about a
# minute), its organization rollout commands (baseline, monitoring, pipeline) for the example plus those
# options (about 90 s), and one account on the nested layout deployed and destroyed (about 15 s).
e2e: install
	$(BIN)/python -m pytest -q tests/e2e

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy app.py core config analytics stacks lambdas dashboards cli tests bench tools

# bench/synth_time.py and bench/stack_size.py build their scenarios from CONFIG's first account.
bench: install
	@for b in bench/*.py; do [ -e "$$b" ] || continue; echo "== $$b"; GENAI_GUARDRAILS_CONFIG=$(CONFIG) $(BIN)/python $$b; done

schema: install
	$(BIN)/python -m cli.schema config/schema.json

# Regenerate the template snapshot of every example stack (tests/snapshots), then review the diff.
snapshots: install
	$(BIN)/python -m pytest -q tests/stacks/test_snapshots.py --snapshot-update

preview: install
	$(BIN)/python -m tools.preview --config $(CONFIG)

clean:
	rm -rf cdk.out cdk.out.all-options .pytest_cache .mypy_cache .ruff_cache

# checkov over every template of the example config and of a config with every option on; each failed
# check must be explained in docs/security.md (cli/checkov_report.py). Not part of `make test`: it downloads
# checkov into its own venv (checkov pins an older boto3: never into the project's .venv).
CHECKOV_VERSION := 3.3.30
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed-$(CHECKOV_VERSION)
ALL_OPTIONS_CONFIG := tests/data/all-options.yaml

$(CHECKOV_STAMP):
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)
	@touch $@

checkov: synth $(CHECKOV_STAMP)
	$(CDK) synth -q -c config=$(ALL_OPTIONS_CONFIG) --output cdk.out.all-options
	$(CHECKOV_VENV)/bin/checkov --framework cloudformation --quiet --compact --skip-download --soft-fail \
		-o json $$(for f in cdk.out/*.template.json cdk.out.all-options/*.template.json; do echo "-f $$f"; done) \
		> cdk.out/checkov.json
	$(BIN)/python -m cli.checkov_report cdk.out/checkov.json docs/security.md

demo: install
	$(BIN)/genai-guardrails simulate --config $(CONFIG) --account prod --days 7 --seed 7 --out .demo/invocations.jsonl.gz
	$(BIN)/genai-guardrails replay .demo/invocations.jsonl.gz --config $(CONFIG) --account prod --drifts .demo/invocations.drifts.json --report .demo/report

# The demo's HTML report rendered as a person sees it: headless Chromium (Debian's package, installed here with
# apt-get when missing; run as root or with sudo) to .demo/report/replay.png.
report-png: install
	@command -v chromium >/dev/null || { $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update && $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y chromium; }
	@test -f .demo/report/replay.html || $(MAKE) --no-print-directory demo
	$(BIN)/python -m cli.replay.chromium .demo/report/replay.html .demo/report/replay.png
