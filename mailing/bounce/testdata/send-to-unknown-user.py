import smtplib, sys
sender, rcpt, host = sys.argv[1], sys.argv[2], sys.argv[3]
msg = f"""Date: Wed, 02 Dec 2026 12:20:00 +0000
MIME-Version: 1.0
Message-ID: <campaign-1.subscriber-1@hanok.test>
List-Unsubscribe-Post: List-Unsubscribe=One-Click
Subject: =?UTF-8?B?7ZWc7JilIOyGjOyLnTogMTLsm5TsnZgg7ZaJ7IKsIOyViOuCtA==?=
List-Unsubscribe: <https://hanok.test/mailing/unsubscribe/0b6f2a4e-6c1d-4a8e-9f3b-2d7c5e1a9b80>
From: =?utf-8?q?=ED=95=9C=EC=98=A5_=EC=86=8C=EC=8B=9D?= <news@hanok.test>
To: =?utf-8?q?=EB=B0=95_=EC=A7=80=EB=AF=BC?= <{rcpt}>
Content-Transfer-Encoding: quoted-printable
Content-Type: text/plain; charset=UTF-8

=EC=95=88=EB=85=95=ED=95=98=EC=84=B8=EC=9A=94.
""".replace("\n", "\r\n")
s = smtplib.SMTP(host, 25, local_hostname="lists.hanok.test")
s.set_debuglevel(1)
print(s.sendmail(sender, [rcpt], msg))
s.quit()
