// Stub of Jenkins core's hudson.AbortException (tests/consumers/jenkins/README.md).
package hudson;

public class AbortException extends java.io.IOException {
    public AbortException(String message) {
        super(message);
    }
}
