// JsseClient - the Java JSSE client of the interop matrix (tests/matrix):
// connects, sends one HTTP/1.0 GET, reads the response to its end and
// prints one "result: ..." line: "ok N bytes", or "error CLASS: MESSAGE"
// (what JSSE reported).  Built by tests/peers/build.sh (javac).
//
//   java -cp tests/peers/out JsseClient HOST PORT TLSv1.2|TLSv1.3 SUITE PATH [CA.pem]
//
// SUITE is an IANA name; without CA.pem no certificate is verified (the
// matrix's interception cells).  JSSE writes no NSS key log: run it with
// -Djavax.net.debug=... to get its debug log on stdout.
import java.io.*;
import java.net.*;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;
import javax.net.ssl.*;

public class JsseClient {
    static TrustManager[] trust(String caPath) throws Exception {
        if (caPath == null) {
            return new TrustManager[] { new X509TrustManager() {
                public void checkClientTrusted(X509Certificate[] c, String a) {}
                public void checkServerTrusted(X509Certificate[] c, String a) {}
                public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
            } };
        }
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = new FileInputStream(caPath)) {
            int i = 0;
            for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in))
                ks.setCertificateEntry("ca" + i++, c);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    public static void main(String[] a) {
        long got = 0;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trust(a.length > 5 ? a[5] : null), null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[0], Integer.parseInt(a[1]))) {
                s.setEnabledProtocols(new String[] { a[2] });
                s.setEnabledCipherSuites(new String[] { a[3] });
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("server.badmac.test")));
                s.setSSLParameters(p);
                OutputStream out = s.getOutputStream();
                out.write(("GET " + a[4] + " HTTP/1.0\r\nHost: server.badmac.test\r\n\r\n").getBytes("US-ASCII"));
                out.flush();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) > 0; )
                    got += n;
            }
            System.out.println("result: ok " + got + " bytes");
        } catch (Exception x) {
            System.out.println("result: error " + x.getClass().getSimpleName() + ": " + x.getMessage()
                               + " (after " + got + " bytes)");
            System.exit(1);
        }
    }
}
