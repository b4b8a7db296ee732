package dev.sluice.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IoPressureTest {

    @Test
    void shouldReadTheMicrosecondsSomeTaskWasStalledFromAPsiFile() {
        String psi = "some avg10=0.00 avg60=0.00 avg300=0.12 total=370388598\nfull avg10=0.00 avg60=0.00 avg300=0.06 total=211579557\n";
        assertThat(IoPressure.someTotalMicros(psi)).hasValue(370_388_598L);
    }

    @Test
    void shouldSayNothingForTextWithoutASomeLine() {
        assertThat(IoPressure.someTotalMicros("full avg10=0.00 avg60=0.00 avg300=0.06 total=1\n")).isEmpty();
        assertThat(IoPressure.someTotalMicros("")).isEmpty();
    }
}
