// Compile-time stub of jakarta.servlet.ServletException (tests/consumers/jenkins/README.md).
package jakarta.servlet;

public class ServletException extends Exception {
    public ServletException(String message) {
        super(message);
    }
}
