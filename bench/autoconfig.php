<?php
// The PHP script of issue 14's comparison: the same Autoconfig lookup in the same
// SQLite file as automx2-fcgi, on PHP-FPM behind the same nginx (bench/bench.py).
// AUTOMX2_DB (a FastCGI parameter) names the file. Not part of the product.
// A persistent handle: each FPM worker opens the file once (the fair comparison).
$db = new PDO('sqlite:' . $_SERVER['AUTOMX2_DB'], null, null, [PDO::ATTR_PERSISTENT => true]);
$address = $_GET['emailaddress'] ?? '';
$domain = strtolower(substr($address, strrpos($address, '@') + 1));
$q = $db->prepare('SELECT d.id, p.id AS pid, p.name, p.short_name FROM domain d
    JOIN provider p ON p.id = d.provider_id WHERE d.name = :d');
$q->execute([':d' => $domain]);
$row = $q->fetch(PDO::FETCH_ASSOC);
if (!$row) { http_response_code(204); exit; }
$e = fn($s) => htmlspecialchars((string)$s, ENT_XML1 | ENT_QUOTES, 'UTF-8');
$auth = ['plain' => 'password-cleartext', 'encrypted' => 'password-encrypted'];
$out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<clientConfig version=\"1.1\">\n"
     . "  <emailProvider id=\"automx2-{$row['pid']}\">\n    <identity/>\n";
$q = $db->prepare('SELECT name FROM domain WHERE provider_id = :p ORDER BY id');
$q->execute([':p' => $row['pid']]);
foreach ($q->fetchAll(PDO::FETCH_COLUMN) as $d)
    $out .= "    <domain>{$e($d)}</domain>\n";
$out .= "    <displayName>{$e($row['name'])}</displayName>\n"
      . "    <displayShortName>{$e($row['short_name'])}</displayShortName>\n";
$q = $db->prepare('SELECT s.* FROM server s JOIN server_domain sd ON sd.server_id = s.id
    WHERE sd.domain_id = :d ORDER BY s.prio, s.id');
$q->execute([':d' => $row['id']]);
foreach ($q->fetchAll(PDO::FETCH_ASSOC) as $s) {
    $tag = $s['type'] === 'smtp' ? 'outgoingServer' : 'incomingServer';
    $type = $s['type'] === 'pop' ? 'pop3' : $s['type'];
    $out .= "    <$tag type=\"$type\">\n      <hostname>{$e($s['name'])}</hostname>\n"
          . "      <port>{$s['port']}</port>\n      <socketType>{$e($s['socket_type'])}</socketType>\n"
          . "      <username>{$e($s['user_name'])}</username>\n"
          . "      <authentication>{$e($auth[$s['authentication']] ?? $s['authentication'])}"
          . "</authentication>\n    </$tag>\n";
}
header('Content-Type: application/xml; charset=utf-8');
echo $out . "  </emailProvider>\n</clientConfig>\n";
