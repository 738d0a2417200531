FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml constraints.txt ./
COPY domain domain
COPY application application
COPY infrastructure infrastructure
COPY projections projections
COPY api api
COPY workers workers
COPY custom custom
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home chronicle
USER chronicle
EXPOSE 3080
CMD ["chronicle", "serve"]
