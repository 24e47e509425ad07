# The Stripe capture connector for Estuary Flow.
FROM python:3.11-slim

LABEL FLOW_RUNTIME_PROTOCOL=capture
LABEL FLOW_RUNTIME_CODEC=json
LABEL CONNECTOR_PROTOCOL=flow-capture

ENV VIRTUAL_ENV=/opt/connector \
    PATH=/opt/connector/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /build
COPY pyproject.toml README.md ./
COPY tap_stripe_flow ./tap_stripe_flow
COPY flow_adapter ./flow_adapter
RUN python -m venv /opt/connector \
    && /opt/connector/bin/pip install --no-cache-dir . \
    && rm -rf /build

RUN useradd --system --uid 10001 --no-create-home connector
USER connector
WORKDIR /tmp

ENTRYPOINT ["/opt/connector/bin/source-stripe-flow"]
