// Stub of log4j 1's Logger (tests/consumers/jenkins/README.md): messages go to standard error.
package org.apache.log4j;

public final class Logger {
    private final String name;

    private Logger(String name) {
        this.name = name;
    }

    public static Logger getLogger(String name) {
        return new Logger(name);
    }

    public void warn(Object message) {
        System.err.println("WARN " + name + ": " + message);
    }

    public void warn(Object message, Throwable error) {
        System.err.println("WARN " + name + ": " + message + ": " + error);
    }

    public void error(Object message) {
        System.err.println("ERROR " + name + ": " + message);
    }

    public void error(Object message, Throwable error) {
        System.err.println("ERROR " + name + ": " + message + ": " + error);
    }

    public void info(Object message) {
        System.err.println("INFO " + name + ": " + message);
    }

    public void debug(Object message) {
    }
}
