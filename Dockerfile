# Image of the sluice launcher: build the jar first (./mvnw -q package -DskipTests), then docker compose up.
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY launcher/target/sluice.jar /app/sluice.jar
# The start-up archive (class-data sharing), made here because it names the jar's path and the image's JDK: the
# classes of launcher/src/main/cds/sluice.classlist, as the build does for ./sluice (README, "Start-up archive").
COPY launcher/src/main/cds/sluice.classlist /app/sluice.classlist
RUN java -Xshare:dump -XX:SharedClassListFile=/app/sluice.classlist -XX:SharedArchiveFile=/app/sluice.jsa -cp /app/sluice.jar > /app/sluice.jsa.log 2>&1 \
    || { tail -20 /app/sluice.jsa.log; exit 1; }
ENV SLUICE_STATE_DIR=/var/lib/sluice
RUN mkdir -p /var/lib/sluice && useradd --system --home /var/lib/sluice sluice && chown sluice /var/lib/sluice
USER sluice
EXPOSE 8080
# The start-up archive, the sluice script's JIT threshold, and the heap sized to the container.
ENTRYPOINT ["java", "-XX:SharedArchiveFile=/app/sluice.jsa", "-XX:CompileThresholdScaling=3", "-XX:MaxRAMPercentage=75", "-jar", "/app/sluice.jar"]
