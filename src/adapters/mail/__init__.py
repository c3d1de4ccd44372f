"""Mail adapters: SMTP (aiosmtplib), SendGrid v3, AWS SES v2, and a Maildir for embedded mode.

All implement ``ports.shared.mail.Mailer``; ``jinja.JinjaTemplateRenderer`` implements
``ports.shared.templates.TemplateRenderer`` over the templates in ``templates/<locale>/``.
"""
