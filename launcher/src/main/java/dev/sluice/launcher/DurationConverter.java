package dev.sluice.launcher;

import java.time.Duration;

import dev.sluice.common.Durations;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line, as {@link Durations#parse} reads them ({@code 500ms}, {@code 30s}, {@code 7d}, {@code PT30S}). */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
