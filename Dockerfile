# Image of the sluice launcher: build the jar first (./mvnw -q package -DskipTests), then docker compose up.
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY launcher/target/sluice.jar /app/sluice.jar
ENV SLUICE_STATE_DIR=/var/lib/sluice
RUN mkdir -p /var/lib/sluice && useradd --system --home /var/lib/sluice sluice && chown sluice /var/lib/sluice
USER sluice
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/sluice.jar"]
