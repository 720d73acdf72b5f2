# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
NLU_VENV := .venv-nlu
BIN := $(VENV)/bin
PIP_QUIET := --quiet --disable-pip-version-check
export PYTHONWARNINGS := ignore::DeprecationWarning

.PHONY: demo test run telegram-demo bench lint format model nlu-env venv nlu-lock clean

demo: venv nlu-env ## Train the NLU model if needed, start it, and open a console chat
	$(BIN)/waymark console

test: venv nlu-env ## Run the whole suite (trains a small model of its own)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . >/dev/null
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

run: venv nlu-env ## Start the Telegram bot (needs TELEGRAM_BOT_TOKEN)
	$(BIN)/waymark run

telegram-demo: venv nlu-env ## Chat with the real bot process through the fake Bot API server
	$(BIN)/python -m tests.fakes.chat

bench: venv nlu-env ## Print training, NLU latency, end-to-end latency and memory figures
	$(BIN)/python -m tests.bench.run

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

model: venv nlu-env
	$(BIN)/waymark nlu train

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_QUIET) --upgrade pip setuptools wheel
	$(BIN)/pip install $(PIP_QUIET) -e ".[dev]"
	touch $@

# Rasa 3.6.21 declares Requires-Python <3.11. With a working python3.10 it installs as usual;
# on Python 3.11 we install the same fully pinned set with --no-deps --ignore-requires-python.
nlu-env: $(NLU_VENV)/.installed
$(NLU_VENV)/.installed: nlu/rasa-requirements.lock
	@if python3.10 --version >/dev/null 2>&1; then \
	  echo "Rasa env: python3.10"; python3.10 -m venv $(NLU_VENV); FLAGS="--no-deps"; \
	else \
	  echo "Rasa env: $(PYTHON) with --ignore-requires-python"; \
	  $(PYTHON) -m venv $(NLU_VENV); FLAGS="--no-deps --ignore-requires-python"; \
	fi; \
	$(NLU_VENV)/bin/pip install $(PIP_QUIET) --upgrade pip wheel && \
	$(NLU_VENV)/bin/pip install $(PIP_QUIET) $$FLAGS -r nlu/rasa-requirements.lock
	$(NLU_VENV)/bin/rasa --version >/dev/null 2>&1 || { echo "rasa failed to start"; exit 1; }
	touch $@

# Regenerate the Rasa lock file (needs network access to the package index).
nlu-lock: venv
	$(BIN)/pip install $(PIP_QUIET) uv
	$(BIN)/uv pip compile nlu/rasa-requirements.in --override nlu/rasa-overrides.txt \
	  --python-version 3.10 --python-platform x86_64-manylinux_2_28 \
	  --no-emit-package jax --no-emit-package jaxlib --no-emit-package ml-dtypes \
	  --no-header --no-annotate -q -o nlu/rasa-requirements.lock.new
	{ sed -n '1,3p' nlu/rasa-requirements.lock; cat nlu/rasa-requirements.lock.new; } > nlu/rasa-requirements.lock.tmp
	mv nlu/rasa-requirements.lock.tmp nlu/rasa-requirements.lock; rm -f nlu/rasa-requirements.lock.new

clean:
	rm -rf var/models var/test-models .pytest_cache
