# cos-ocr-emulator: a local Tencent COS + Cloud Infinite OCR stand-in.
#   docker build -t cos-ocr-emulator .
#   docker run -p 8080:8080 -v cos-data:/data cos-ocr-emulator
# Configuration is entirely by COS_EMULATOR_* environment variables (see README).

# --- build stage: a virtualenv with the package, its Python dependencies and the [ppocr] extra ------
# (PP-OCRv4's models ship inside the rapidocr-onnxruntime wheel: nothing is downloaded at run time).
# gcc + python3-dev build crcmod's C extension (CRC-64 for x-cos-hash-crc64ecma is ~100x slower without).
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip \
      gcc python3-dev \
 && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md /src/
COPY scripts/opencv-headless /src/scripts/
COPY cos_ocr_emulator /src/cos_ocr_emulator
# PIP_CERT: an extra CA bundle for builds behind a TLS-inspecting proxy (scripts/docker-smoke mounts
# the host's); empty in a normal build.
ARG PIP_CERT=""
RUN if [ -z "$PIP_CERT" ]; then unset PIP_CERT; fi \
 && python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir "/src[ppocr]" \
 && PIP_NO_CACHE_DIR=1 bash /src/scripts/opencv-headless /opt/venv/bin/python

# --- runtime stage: Tesseract with every language-type the OCR API lists, poppler for PDFs ---------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 poppler-utils tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng \
      tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-jpn tesseract-ocr-kor tesseract-ocr-spa \
      tesseract-ocr-fra tesseract-ocr-deu tesseract-ocr-por tesseract-ocr-vie tesseract-ocr-msa \
      tesseract-ocr-rus tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-swe tesseract-ocr-fin \
      tesseract-ocr-dan tesseract-ocr-nor tesseract-ocr-hun tesseract-ocr-tha tesseract-ocr-hin \
      tesseract-ocr-ara \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc /usr/share/man \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin cos \
 && mkdir -p /data /seed && chown cos:cos /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    COS_EMULATOR_HOST=0.0.0.0 \
    COS_EMULATOR_PORT=8080 \
    COS_EMULATOR_DATA_DIR=/data \
    COS_EMULATOR_SEED_DIR=/seed
USER cos
WORKDIR /data
EXPOSE 8080
VOLUME /data
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["cos-ocr-emulator", "healthcheck"]
# Exec form: uvicorn is PID 1 and gets SIGTERM itself; it stops accepting, finishes in-flight
# requests (up to 30 s) and closes the store cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["cos-ocr-emulator"]
